#include "export/export.hpp"

#include <numeric>

#include <fmt/format.h>

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb::exports {

std::string Row::failure() const {
  if (result->status != "ok") return result->status + (result->error.empty() ? "" : ": " + result->error);
  if (!measured()) return "no samples";
  if (!result->gate.passed) {
    const auto& violations = result->gate.violations;
    return "accuracy gate: " + (violations.empty() ? std::string("failed") : join(violations, "; "));
  }
  return "";
}

std::vector<Row> rows_of(const report::ReportFile& report) {
  std::vector<Row> rows;
  for (const auto& r : report.results) {
    Row row;
    row.result = &r;
    row.name = r.model + "/" + r.variant;
    if (!r.samples_ms.empty()) {
      row.stats = summarize(r.samples_ms);
      row.median_ci = bootstrap_median_ci(r.samples_ms, kExportConfidence);
      const double total_ms = std::accumulate(r.samples_ms.begin(), r.samples_ms.end(), 0.0);
      if (total_ms > 0) {
        row.throughput_per_s =
            static_cast<double>(r.batch) * static_cast<double>(r.samples_ms.size()) * 1000.0 / total_ms;
      }
      row.outliers = count_outliers(r.samples_ms);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

const std::vector<Format>& formats() {
  static const std::vector<Format> table = {
      {"gbench", "google/benchmark JSON (for its tools/compare.py)", render_gbench},
      {"github-action", "github-action-benchmark customSmallerIsBetter JSON", render_github_action},
      {"bmf", "Bencher Metric Format JSON", render_bmf},
      {"junit", "JUnit XML: one test case per variant; failed or gate-broken variants fail", render_junit},
      {"csv", "CSV (RFC 4180), one row per variant", render_csv},
      {"markdown", "Markdown table", render_markdown},
  };
  return table;
}

std::string export_report(const report::ReportFile& report, const std::string& format) {
  std::vector<std::string_view> names;
  for (const auto& f : formats()) {
    if (f.name == format) return f.render(report, rows_of(report));
    names.push_back(f.name);
  }
  throw UsageError(fmt::format("--format '{}': unknown format{}; choose one of {}", format,
                               did_you_mean(format, names), join(names, ", ")));
}

}  // namespace tb::exports
