#pragma once
// Accuracy gates: limits a variant's outputs must meet against the baseline's
// (`--max-abs-err`, `--max-rel-err`, `--min-cosine`), for the whole run or per variant. A
// broken gate marks the variant and makes the run's exit code 1. Pure functions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/accuracy.hpp"

namespace tb {

enum class GateMetric { max_abs_err, max_rel_err, min_cosine };

// One limit as the user wrote it: `--min-cosine 0.99` (every variant) or
// `--min-cosine int8=0.999` (variant `int8`, and its sweep points `int8/batch=8`, ...).
struct GateRule {
  GateMetric metric = GateMetric::max_abs_err;
  std::string variant;  // "" = every variant but the baseline
  double limit = 0;
};

// The limits that apply to one variant; a variant-specific rule overrides a run-wide one.
struct AccuracyGate {
  std::optional<double> max_abs_err;
  std::optional<double> max_rel_err;
  std::optional<double> min_cosine;

  bool empty() const { return !max_abs_err && !max_rel_err && !min_cosine; }
};

struct GateResult {
  AccuracyGate limits;
  std::vector<std::string> violations;  // one line each; empty = passed

  bool passed() const { return violations.empty(); }
};

// The option's name, e.g. "--min-cosine".
std::string_view option_name(GateMetric metric);

// Parses the value of a gate option: "0.99" or "VARIANT=0.99". Throws UsageError for a
// non-number, a negative error limit or a cosine outside [-1, 1].
GateRule parse_gate_rule(GateMetric metric, std::string_view text);

// The gate for `variant` (its full name, or the part before the first '/' for sweep points).
AccuracyGate gate_for(const std::vector<GateRule>& rules, const std::string& variant);

// Checks `accuracy` against the gate. Missing accuracy (`note` says why) is a violation: a
// gate that cannot be checked must not pass silently.
GateResult check_gate(const AccuracyGate& gate, const std::optional<AccuracyStats>& accuracy,
                      const std::string& note = "");

}  // namespace tb
