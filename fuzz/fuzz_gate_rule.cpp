// Accuracy gate values `LIMIT` or `VARIANT=LIMIT` (parse_gate_rule), and the other numbers
// in option values: `--target-precision` percentages (parse_percent) and
// `--variant-memory-limit` sizes (parse_byte_size). The first byte picks the metric.
// Properties: only UsageError escapes; an accepted limit is finite and in its metric's
// range; the rule applies to the variant it names (gate_for) and not to another.
#include <cmath>

#include "core/gates.hpp"
#include "fuzz_support.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto metric = static_cast<tb::GateMetric>(data[0] % 3);
  const auto text = tb::fuzz::as_text(data + 1, size - 1);
  if (const auto percent = tb::parse_percent(text)) TB_FUZZ_CHECK(std::isfinite(*percent));
  if (const auto bytes = tb::parse_byte_size(text)) {
    TB_FUZZ_CHECK(*bytes >= 1);
    TB_FUZZ_CHECK(!tb::format_byte_size(*bytes).empty());
  }
  tb::GateRule rule;
  try {
    rule = tb::parse_gate_rule(metric, text);
  } catch (const tb::UsageError&) {
    return 0;
  }
  TB_FUZZ_CHECK(rule.metric == metric && std::isfinite(rule.limit));
  if (metric == tb::GateMetric::min_cosine) {
    TB_FUZZ_CHECK(rule.limit >= -1 && rule.limit <= 1);
  } else {
    TB_FUZZ_CHECK(rule.limit >= 0);
  }
  const std::string name = rule.variant.empty() ? "any" : rule.variant;
  const auto gate = tb::gate_for({rule}, name);
  const auto& slot = metric == tb::GateMetric::max_abs_err   ? gate.max_abs_err
                     : metric == tb::GateMetric::max_rel_err ? gate.max_rel_err
                                                             : gate.min_cosine;
  TB_FUZZ_CHECK(slot && *slot == rule.limit);
  if (!rule.variant.empty()) TB_FUZZ_CHECK(tb::gate_for({rule}, name + "x").empty());
  return 0;
}
