#include <fmt/format.h>

#include "compare/options.hpp"
#include "compare/render.hpp"
#include "util/markup.hpp"
#include "util/text_table.hpp"

namespace tb::compare {
namespace {

std::string median_cell(const Side& side) {
  if (!side.present) return "-";
  if (side.count == 0) return escape_markdown(side.status);
  return format_number(side.median_ms);
}

std::string verdict_cell(const Pair& pair) {
  const auto name = verdict_text(pair);
  if (pair.is_reference) return name;
  return pair.verdict == Verdict::slower || pair.verdict == Verdict::failed ? "**" + name + "**" : name;
}

std::string report_line(const std::string& role, const std::string& name, const std::string& created_at,
                        const std::string& git_sha) {
  auto line = fmt::format("{}: {}", role, escape_markdown(name));
  if (!created_at.empty()) line += fmt::format(" ({}, {})", escape_markdown(created_at), escape_markdown(git_sha));
  return line;
}

}  // namespace

std::string render_markdown(const Comparison& c) {
  std::string out = fmt::format("### torchbench-cli compare: {}\n\n", escape_markdown(tally_text(c)));
  out += report_line("base", c.base_name, c.base_created_at, c.base_git_sha) + "  \n";
  out += report_line("new", c.candidate_name, c.candidate_created_at, c.candidate_git_sha) + "\n\n";
  out += fmt::format("| model | variant | base ms | new ms | change | {:g}% CI | p | verdict |\n",
                     c.options.verdict.confidence() * 100);
  out += "|---|---|--:|--:|--:|--:|--:|---|\n";
  std::vector<std::string> notes;
  for (const auto& pair : c.pairs) {
    std::string change = "-", interval = "-", p = "-";
    if (pair.stats) {
      change = format_change(pair.stats->ratio.estimate);
      interval = format_change(pair.stats->ratio.low) + " to " + format_change(pair.stats->ratio.high);
      p = escape_markdown(format_p(pair.stats->p_value));
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", escape_markdown(pair.model),
                       escape_markdown(pair_name(pair)), median_cell(pair.base), median_cell(pair.candidate), change,
                       interval, p, verdict_cell(pair));
    // Why a pair is missing or failed is already among the warnings.
    if (pair.stats && pair.verdict != Verdict::same) {
      notes.push_back(fmt::format("- {} {}: {}", escape_markdown(pair.model), escape_markdown(pair_name(pair)),
                                  escape_markdown(pair.reason)));
    }
  }
  out += "\n";
  if (c.geomean_ratio) {
    out += fmt::format("Geometric mean of new/base: {} over {} pair{}.\n\n", format_change(*c.geomean_ratio),
                       c.geomean_pairs, c.geomean_pairs == 1 ? "" : "s");
  }
  if (!notes.empty()) {
    out += "Notes:\n";
    for (const auto& note : notes) out += note + "\n";
    out += "\n";
  }
  if (!c.warnings.empty()) {
    out += "Warnings:\n";
    for (const auto& warning : c.warnings) out += "- " + escape_markdown(warning) + "\n";
    out += "\n";
  }
  out += "<sub>" + escape_markdown("Rule: " + rule_text(c.options.verdict)) + fmt::format(
      ". Exit code {} (--fail-on {}).</sub>\n", c.exit_code, to_string(c.options.fail_on));
  return out;
}

}  // namespace tb::compare
