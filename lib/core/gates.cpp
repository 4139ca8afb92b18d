#include "core/gates.hpp"

#include <fmt/format.h>

#include <cmath>

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb {

std::string_view option_name(GateMetric metric) {
  switch (metric) {
    case GateMetric::max_abs_err: return "--max-abs-err";
    case GateMetric::max_rel_err: return "--max-rel-err";
    case GateMetric::min_cosine: return "--min-cosine";
  }
  return "";
}

GateRule parse_gate_rule(GateMetric metric, std::string_view text) {
  GateRule rule;
  rule.metric = metric;
  std::string_view number = text;
  if (const auto eq = text.rfind('='); eq != std::string_view::npos) {
    rule.variant = std::string(trim(text.substr(0, eq)));
    number = text.substr(eq + 1);
    if (rule.variant.empty()) {
      throw UsageError(fmt::format("{} '{}': the variant name before '=' is empty", option_name(metric), text));
    }
  }
  const auto value = parse_double(trim(number));
  const bool cosine = metric == GateMetric::min_cosine;
  if (!value || (cosine ? (*value < -1 || *value > 1) : *value < 0)) {
    throw UsageError(fmt::format("{} '{}': needs {} or VARIANT=LIMIT, e.g. {} {}", option_name(metric), text,
                                 cosine ? "a cosine between -1 and 1" : "a number of 0 or more", option_name(metric),
                                 cosine ? "0.999" : "1e-3"));
  }
  rule.limit = *value;
  return rule;
}

AccuracyGate gate_for(const std::vector<GateRule>& rules, const std::string& variant) {
  const auto base = variant.substr(0, variant.find('/'));
  AccuracyGate gate;
  // Run-wide rules first, so that a rule for this variant overrides them.
  for (const bool specific : {false, true}) {
    for (const auto& rule : rules) {
      if (rule.variant.empty() == specific) continue;
      if (specific && rule.variant != variant && rule.variant != base) continue;
      auto& slot = rule.metric == GateMetric::max_abs_err   ? gate.max_abs_err
                   : rule.metric == GateMetric::max_rel_err ? gate.max_rel_err
                                                            : gate.min_cosine;
      slot = rule.limit;
    }
  }
  return gate;
}

GateResult check_gate(const AccuracyGate& gate, const std::optional<AccuracyStats>& accuracy,
                      const std::string& note) {
  GateResult result;
  result.limits = gate;
  if (gate.empty()) return result;
  if (!accuracy) {
    result.violations.push_back("accuracy gate not checked: " + (note.empty() ? "no accuracy measured" : note));
    return result;
  }
  const auto& a = *accuracy;
  // NaN compares false, so a non-finite error breaks every limit.
  if (gate.max_abs_err && !(a.max_abs_err <= *gate.max_abs_err)) {
    result.violations.push_back(fmt::format("max abs err {:.3g} > {:g}", a.max_abs_err, *gate.max_abs_err));
  }
  if (gate.max_rel_err && !(a.max_rel_err <= *gate.max_rel_err)) {
    result.violations.push_back(fmt::format("max rel err {:.3g} > {:g}", a.max_rel_err, *gate.max_rel_err));
  }
  if (gate.min_cosine && !(a.cosine >= *gate.min_cosine)) {
    result.violations.push_back(fmt::format("cosine {:.6f} < {:g}", a.cosine, *gate.min_cosine));
  }
  if (a.non_finite && result.violations.empty()) {
    result.violations.push_back("non-finite values in the outputs");
  }
  return result;
}

}  // namespace tb
