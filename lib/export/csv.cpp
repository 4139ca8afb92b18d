// CSV by RFC 4180: a header row, one row per result, CRLF line ends, fields quoted when
// needed. Numbers are written exactly (shortest round-trip form); empty when not measured.
#include <optional>

#include <fmt/format.h>

#include "export/export.hpp"
#include "util/markup.hpp"
#include "util/strings.hpp"

namespace tb::exports {
namespace {

std::string number(double value) { return fmt::format("{}", value); }
std::string optional(const std::optional<double>& value) { return value ? number(*value) : ""; }

}  // namespace

std::string render_csv(const report::ReportFile&, const std::vector<Row>& rows) {
  const std::vector<std::string> header = {
      "model",    "variant",  "status",   "batch",    "iterations", "median_ms",        "median_ci_low_ms",
      "median_ci_high_ms",    "mean_ms",  "stddev_ms", "cv",        "min_ms",           "p90_ms",
      "p95_ms",   "p99_ms",   "max_ms",   "outliers", "throughput_per_s", "max_abs_err", "max_rel_err",
      "cosine",   "gate_passed", "gate_violations", "error"};
  std::string out = join(header, ",") + "\r\n";
  for (const auto& row : rows) {
    const auto& r = *row.result;
    std::vector<std::string> fields = {csv_field(r.model), csv_field(r.variant), csv_field(r.status),
                                       std::to_string(r.batch), std::to_string(r.samples_ms.size())};
    if (row.measured()) {
      const auto& s = row.stats;
      for (const double v : {s.median, row.median_ci.low, row.median_ci.high, s.mean, s.stddev, s.cv, s.min, s.p90,
                             s.p95, s.p99, s.max}) {
        fields.push_back(number(v));
      }
      fields.push_back(std::to_string(row.outliers.total()));
      fields.push_back(number(row.throughput_per_s));
    } else {
      fields.resize(fields.size() + 13);
    }
    const auto accuracy = r.accuracy.value_or(report::AccuracyRecord{});
    fields.push_back(optional(accuracy.max_abs_err));
    fields.push_back(optional(accuracy.max_rel_err));
    fields.push_back(optional(accuracy.cosine));
    fields.push_back(r.gate.passed ? "true" : "false");
    fields.push_back(csv_field(join(r.gate.violations, "; ")));
    fields.push_back(csv_field(r.error));
    out += join(fields, ",") + "\r\n";
  }
  return out;
}

}  // namespace tb::exports
