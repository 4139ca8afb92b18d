// JUnit XML: one <testsuite> per model, one <testcase> per variant. A variant that failed,
// was skipped (the run was interrupted) or broke its accuracy gate is a failing test case;
// the time of a test case is its measured time (sum of samples).
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "export/export.hpp"
#include "util/markup.hpp"
#include "util/text_table.hpp"

namespace tb::exports {
namespace {

std::string attribute(const std::string& name, const std::string& value) {
  return fmt::format(" {}=\"{}\"", name, escape_xml(value));
}

double seconds(const Row& row) {
  const auto& s = row.result->samples_ms;
  return std::accumulate(s.begin(), s.end(), 0.0) / 1000;
}

std::string failure_type(const Row& row) {
  if (row.result->status != "ok") return row.result->status;  // "failed" | "skipped"
  if (!row.measured()) return "failed";
  return "accuracy-gate";
}

}  // namespace

std::string render_junit(const report::ReportFile& report, const std::vector<Row>& rows) {
  // Models in the order they first appear.
  std::vector<std::string> models;
  std::map<std::string, std::vector<const Row*>> by_model;
  for (const auto& row : rows) {
    auto& list = by_model[row.result->model];
    if (list.empty()) models.push_back(row.result->model);
    list.push_back(&row);
  }
  std::size_t failures = 0;
  double total_seconds = 0;
  std::string suites;
  for (const auto& model : models) {
    std::size_t suite_failures = 0;
    double suite_seconds = 0;
    std::string cases;
    for (const Row* row : by_model[model]) {
      const double time = seconds(*row);
      suite_seconds += time;
      cases += "    <testcase" + attribute("name", row->result->variant) + attribute("classname", model) +
               attribute("time", fmt::format("{:.6f}", time)) + ">\n";
      if (!row->passed()) {
        ++suite_failures;
        const auto message = row->failure();
        cases += "      <failure" + attribute("message", message) + attribute("type", failure_type(*row)) + ">" +
                 escape_xml(message) + "</failure>\n";
      }
      if (row->measured()) {
        const auto& s = row->stats;
        cases += "      <system-out>" +
                 escape_xml(fmt::format("median {} ms (95% CI {}..{}), p99 {} ms, cv {:.1f}%, {} iterations, batch "
                                        "{}, {} items/s",
                                        format_number(s.median), format_number(row->median_ci.low),
                                        format_number(row->median_ci.high), format_number(s.p99), s.cv * 100,
                                        s.count, row->result->batch, format_number(row->throughput_per_s))) +
                 "</system-out>\n";
      }
      cases += "    </testcase>\n";
    }
    failures += suite_failures;
    total_seconds += suite_seconds;
    suites += "  <testsuite" + attribute("name", model) + attribute("tests", std::to_string(by_model[model].size())) +
              attribute("failures", std::to_string(suite_failures)) + attribute("errors", "0") +
              attribute("skipped", "0") + attribute("time", fmt::format("{:.6f}", suite_seconds)) +
              (report.created_at.empty() ? "" : attribute("timestamp", report.created_at)) +
              attribute("hostname", report::environment_field(report, "/hostname")) + ">\n" + cases +
              "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attribute("name", "torchbench-cli") +
         attribute("tests", std::to_string(rows.size())) + attribute("failures", std::to_string(failures)) +
         attribute("errors", "0") + attribute("time", fmt::format("{:.6f}", total_seconds)) + ">\n" + suites +
         "</testsuites>\n";
}

}  // namespace tb::exports
