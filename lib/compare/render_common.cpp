#include <fmt/format.h>

#include "compare/options.hpp"
#include "compare/render.hpp"

namespace tb::compare {

std::string format_p(double p_value) {
  if (p_value < 1e-6) return "<1e-6";
  return fmt::format("{:.2g}", p_value);
}

std::string rule_text(const VerdictOptions& o) {
  return fmt::format(
      "slower/faster: p < {:g} and the {:g}% CI excludes no change and the change is past ±{:g}% (half the {:g}% "
      "threshold); same: the {:g}% CI lies within ±{:g}%; otherwise inconclusive",
      o.alpha, o.confidence() * 100, o.threshold * 50, o.threshold * 100, o.confidence() * 100, o.threshold * 100);
}

std::string tally_text(const Comparison& c) {
  std::string text;
  for (const auto verdict : {Verdict::slower, Verdict::failed, Verdict::inconclusive, Verdict::faster, Verdict::same,
                             Verdict::missing}) {
    if (const auto n = c.count(verdict)) {
      text += fmt::format("{}{} {}", text.empty() ? "" : ", ", n, to_string(verdict));
    }
  }
  return text;
}

std::string verdict_text(const Pair& pair) {
  return std::string(to_string(pair.verdict)) + (pair.is_reference ? " (reference)" : "");
}

std::string pair_name(const Pair& pair) {
  if (!pair.base.present) return pair.candidate.variant;
  if (!pair.candidate.present || pair.base.variant == pair.candidate.variant) return pair.base.variant;
  return pair.base.variant + " -> " + pair.candidate.variant;
}

}  // namespace tb::compare
