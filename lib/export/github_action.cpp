// github-action-benchmark's `customSmallerIsBetter` input: a JSON array of
// {name, unit, value, range, extra}. The value is the median latency; `range` is the half-width
// of its 95% bootstrap CI. Variants without samples are left out (the format has no failed
// entries; `report --format junit` is the one that fails a CI job).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "export/export.hpp"
#include "util/text_table.hpp"

namespace tb::exports {

std::string render_github_action(const report::ReportFile&, const std::vector<Row>& rows) {
  using nlohmann::json;
  json entries = json::array();
  for (const auto& row : rows) {
    if (!row.measured() || row.result->status != "ok") continue;
    const auto& s = row.stats;
    std::string extra = fmt::format("p90 {} ms, p99 {} ms, cv {:.1f}%\niterations {}, batch {}, {} items/s",
                                    format_number(s.p90), format_number(s.p99), s.cv * 100, s.count,
                                    row.result->batch, format_number(row.throughput_per_s));
    if (!row.result->gate.passed) extra += "\n" + row.failure();
    entries.push_back({{"name", row.name},
                       {"unit", "ms"},
                       {"value", s.median},
                       {"range", "± " + format_number((row.median_ci.high - row.median_ci.low) / 2)},
                       {"extra", extra}});
  }
  return entries.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace tb::exports
