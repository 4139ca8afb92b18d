// Bencher Metric Format: {"MODEL/VARIANT": {"latency": {...}, "throughput": {...}}}.
// Bencher's built-in measures are latency in nanoseconds and throughput in operations per
// second: latency is the median with its 95% bootstrap CI as lower/upper values; throughput
// is items per second as in the report (batch × iterations / total time). Variants without
// samples are left out (a metric needs a value).
#include <nlohmann/json.hpp>

#include "export/export.hpp"

namespace tb::exports {

std::string render_bmf(const report::ReportFile&, const std::vector<Row>& rows) {
  using nlohmann::json;
  constexpr double kNsPerMs = 1e6;
  json out = json::object();
  for (const auto& row : rows) {
    if (!row.measured() || row.result->status != "ok") continue;
    out[row.name] = {{"latency",
                      {{"value", row.stats.median * kNsPerMs},
                       {"lower_value", row.median_ci.low * kNsPerMs},
                       {"upper_value", row.median_ci.high * kNsPerMs}}},
                     {"throughput", {{"value", row.throughput_per_s}}}};
  }
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace tb::exports
