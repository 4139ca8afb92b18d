#pragma once
// `compare`'s output formats: an aligned terminal table, Markdown for a pull request
// comment, and JSON (its fields are listed in docs/statistics.md).
#include <string>

#include <nlohmann/json.hpp>

#include "compare/compare.hpp"

namespace tb::compare {

inline constexpr int kCompareSchemaVersion = 1;

// Grouped by model; verdicts coloured (ANSI) when `color`; the reason for every verdict but
// "same" under the table. Warnings are not included: the command prints them on stderr.
std::string render_table(const Comparison& comparison, bool color);

// A heading with the verdict counts, one table row per pair, the geometric mean, the rule,
// notes and warnings. Every name and message from the reports is escaped.
std::string render_markdown(const Comparison& comparison);

nlohmann::json comparison_json(const Comparison& comparison);

// Shared wording: "p < 1e-6" style p-values, the one-line rule, the verdict tally.
std::string format_p(double p_value);
std::string rule_text(const VerdictOptions& options);
std::string tally_text(const Comparison& comparison);  // "1 slower, 3 same"
std::string pair_name(const Pair& pair);               // "naive" or "fp32 -> int8"
std::string verdict_text(const Pair& pair);            // "slower", or "faster (reference)"

}  // namespace tb::compare
