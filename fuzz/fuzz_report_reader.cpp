// Reports read back by `compare` and `report` (parse_report): files other people and other
// versions wrote, hand-edited, truncated or hostile.
// Properties: a bad file throws ModelError naming it, on one line, never anything else; an
// accepted report holds only what the reader promises (known statuses, finite samples >= 0,
// an ok result has samples, bounded text, no (model, variant) twice).
#include <cmath>
#include <set>

#include "fuzz_support.hpp"
#include "report/report.hpp"
#include "report/report_reader.hpp"
#include "util/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tb::report::ReportFile report;
  try {
    report = tb::report::parse_report(tb::fuzz::as_text(data, size), "fuzz.json");
  } catch (const tb::ModelError& e) {
    const std::string_view message = e.what();
    TB_FUZZ_CHECK(message.starts_with("report 'fuzz.json': "));
    TB_FUZZ_CHECK(message.find('\n') == std::string_view::npos);
    return 0;
  }
  TB_FUZZ_CHECK(report.schema_version == tb::report::kSchemaVersion);
  TB_FUZZ_CHECK(report.environment.is_object());
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : report.results) {
    TB_FUZZ_CHECK(r.status == "ok" || r.status == "failed" || r.status == "skipped");
    TB_FUZZ_CHECK(r.status != "ok" || !r.samples_ms.empty());
    TB_FUZZ_CHECK(!r.variant.empty() && r.variant.size() <= tb::report::kMaxTextBytes);
    TB_FUZZ_CHECK(r.model.size() <= tb::report::kMaxTextBytes);
    TB_FUZZ_CHECK(r.batch >= 1);
    for (const double x : r.samples_ms) TB_FUZZ_CHECK(std::isfinite(x) && x >= 0);
    TB_FUZZ_CHECK(seen.emplace(r.model, r.variant).second);
  }
  return 0;
}
