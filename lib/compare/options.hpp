#pragma once
// Parsing `compare`'s option values. Each throws UsageError (exit 2) with one line naming
// the flag, the value and what is accepted.
#include <string>

#include "compare/compare.hpp"

namespace tb::compare {

// "5%", "2.5%", "0.5 %" -> 0.05, 0.025, 0.005. A percentage sign is required (a bare "0.05"
// or "5" is ambiguous); accepted range: above 0% and below 100%.
double parse_threshold(const std::string& text);

// "0.01" -> 0.01; accepted range: above 0 and at most 0.5.
double parse_alpha(const std::string& text);

// "never" | "slower" | "inconclusive" | "any-change".
FailOn parse_fail_on(const std::string& text);
std::string to_string(FailOn fail_on);

}  // namespace tb::compare
