#include <fmt/format.h>

#include "compare/options.hpp"
#include "compare/render.hpp"
#include "util/markup.hpp"
#include "util/text_table.hpp"

namespace tb::compare {
namespace {

std::string colored(const std::string& text, Verdict verdict, bool color) {
  if (!color) return text;
  const char* code = "";
  switch (verdict) {
    case Verdict::slower:
    case Verdict::failed: code = "\x1b[1;31m"; break;
    case Verdict::faster: code = "\x1b[32m"; break;
    case Verdict::inconclusive: code = "\x1b[33m"; break;
    case Verdict::missing: code = "\x1b[2m"; break;
    case Verdict::same: return text;
  }
  return code + text + "\x1b[0m";
}

std::string median_text(const Side& side) {
  if (!side.present) return "-";
  if (side.count == 0) return printable(side.status);
  return format_number(side.median_ms);
}

}  // namespace

std::string render_table(const Comparison& c, bool color) {
  const auto origin = [](const std::string& name, const std::string& created_at, const std::string& git_sha) {
    return printable(name + (created_at.empty() ? "" : " (" + created_at + ", " + git_sha + ")"));
  };
  std::string out = fmt::format("base: {}\nnew:  {}\n", origin(c.base_name, c.base_created_at, c.base_git_sha),
                                origin(c.candidate_name, c.candidate_created_at, c.candidate_git_sha));
  const auto ci_header = fmt::format("{:g}% CI", c.options.verdict.confidence() * 100);
  std::vector<std::string> notes;
  std::string model;
  std::vector<std::vector<std::string>> rows;
  const auto flush = [&] {
    if (rows.size() > 1) {
      out += "\nmodel " + printable(model) + "\n" + align_columns(rows, {true, false, false, false, true, false, true});
    }
    rows.clear();
  };
  for (const auto& pair : c.pairs) {
    if (rows.empty() || pair.model != model) {
      flush();
      model = pair.model;
      rows.push_back({"variant", "base ms", "new ms", "change", ci_header, "p", "verdict"});
    }
    std::vector<std::string> row = {printable(pair_name(pair)),
                                    median_text(pair.base),
                                    median_text(pair.candidate),
                                    "-",
                                    "-",
                                    "-",
                                    colored(verdict_text(pair), pair.verdict, color)};
    if (pair.stats) {
      row[3] = format_change(pair.stats->ratio.estimate);
      row[4] = format_change(pair.stats->ratio.low) + ".." + format_change(pair.stats->ratio.high);
      row[5] = format_p(pair.stats->p_value);
    }
    rows.push_back(std::move(row));
    if (pair.verdict != Verdict::same) {
      notes.push_back(printable(fmt::format("{} {}: {}", pair.model, pair_name(pair), pair.reason)));
    }
  }
  flush();
  out += "\n";
  if (c.geomean_ratio) {
    out += fmt::format("geometric mean of new/base: {} over {} pair{}\n", format_change(*c.geomean_ratio),
                       c.geomean_pairs, c.geomean_pairs == 1 ? "" : "s");
  }
  out += fmt::format("verdicts: {} (exit {}, --fail-on {})\n", tally_text(c), c.exit_code,
                     to_string(c.options.fail_on));
  out += "rule: " + rule_text(c.options.verdict) + "\n";
  for (const auto& note : notes) out += "  " + note + "\n";
  return out;
}

}  // namespace tb::compare
