// The terminal summary of a search (lib/tune/output.hpp).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "tune/output.hpp"
#include "util/duration.hpp"
#include "util/markup.hpp"
#include "util/statistics.hpp"
#include "util/strings.hpp"
#include "util/text_table.hpp"

namespace tb::tune {
namespace {

// How many failed, skipped or infeasible candidates are listed one per line.
constexpr std::size_t kListed = 8;

int fate_order(Fate fate) {
  switch (fate) {
    case Fate::winner: return 0;
    case Fate::tied: return 1;
    case Fate::finalist: return 2;
    case Fate::unfinished: return 3;
    default: return 4;
  }
}

std::string rung_label(const TuneResult& result, int rung) {
  for (const auto& r : result.rungs) {
    if (r.index == rung && r.plan.final) return "final";
  }
  return rung < 0 ? "-" : std::to_string(rung);
}

std::vector<std::string> row(const TuneResult& result, const CandidateRecord& record) {
  std::vector<std::string> cells(10, "-");
  cells[0] = std::string(record.fate == Fate::winner ? "*" : record.fate == Fate::tied ? "=" : " ") +
             (record.pareto ? "P" : " ");
  cells[1] = printable(record.candidate.name);
  cells[2] = rung_label(result, record.rung);
  cells[9] = std::string(to_string(record.fate));
  if (!record.outcome || !record.outcome->result || record.outcome->result->samples_ms.empty()) return cells;
  const auto& r = *record.outcome->result;
  const auto s = summarize(r.samples_ms);
  cells[3] = format_number(s.median);
  cells[4] = format_number(s.p99);
  cells[5] = format_number(report::throughput_per_s(r));
  if (record.evaluation.score > 0 && record.evaluation.baseline_cost > 0) {
    cells[6] = fmt::format("{:.2f}x", 1 / record.evaluation.score);
  }
  if (r.accuracy) cells[7] = r.accuracy->non_finite ? "non-finite" : fmt::format("{:.6f}", r.accuracy->cosine);
  cells[8] = format_byte_size(std::max(r.peak_rss_bytes, record.outcome->worker_max_rss_bytes));
  return cells;
}

std::string comparison_phrase(const TuneResult& result, std::size_t a, std::size_t b) {
  for (const auto& c : result.comparisons) {
    if ((c.base == a && c.candidate == b) || (c.base == b && c.candidate == a)) {
      return std::string(compare::to_string(c.verdict.verdict)) + ": " + c.verdict.reason;
    }
  }
  return "not compared";
}

std::string verdict_lines(const TuneResult& result, const SearchSetup& setup) {
  const auto objective = std::string(to_string(setup.settings.objective));
  if (!result.winner) {
    bool any_measured = false;
    for (const auto& r : result.candidates) any_measured |= r.evaluation.fate == "infeasible";
    return any_measured ? "no winner: no candidate met the constraints\n"
                        : "no winner: no candidate could be measured (see the reasons above)\n";
  }
  const auto& w = result.candidates[*result.winner];
  const auto speedup = w.evaluation.baseline_cost > 0 ? fmt::format(", {:.2f}x the baseline's {}", 1 / w.evaluation.score,
                                                                    objective)
                                                      : std::string();
  const auto head = printable(w.candidate.name) + " = " + printable(to_string(w.candidate.passes)) + speedup;
  if (!result.confirmed) {
    return "best so far: " + head + "; not confirmed: the search stopped (" + result.stopped +
           ") before the final comparison\n";
  }
  std::string out = "winner: " + head + "\n";
  if (!result.tied.empty()) {
    std::vector<std::string> names;
    for (const auto i : result.tied) names.push_back(printable(result.candidates[i].candidate.name));
    out += "  tied: the paired comparison cannot tell it from " + join(names, ", ") +
           " (the winner has the better estimate; each is in the report)\n";
    for (const auto i : result.tied) {
      out += "    " + printable(result.candidates[i].candidate.name) + ": " +
             printable(comparison_phrase(result, *result.winner, i)) + "\n";
    }
    return out;
  }
  std::optional<std::size_t> runner_up;
  for (std::size_t i = 0; i < result.candidates.size(); ++i) {
    const auto& r = result.candidates[i];
    if (r.fate == Fate::finalist && (!runner_up || r.evaluation.score < result.candidates[*runner_up].evaluation.score)) {
      runner_up = i;
    }
  }
  if (runner_up) {
    out += "  significantly better than the runner-up " + printable(result.candidates[*runner_up].candidate.name) +
           " (" + printable(comparison_phrase(result, *result.winner, *runner_up)) + ")\n";
  } else {
    out += "  the only feasible finalist\n";
  }
  return out;
}

}  // namespace

std::string render_tune(const TuneResult& result, const SearchSetup& setup) {
  const auto& s = setup.settings;
  std::string out = fmt::format("\ntune {} on {}: {}, {} (eta {}), {} candidates", printable(setup.model), setup.device,
                                to_string(s.objective), to_string(s.strategy), s.eta, result.candidates.size());
  if (!setup.dropped.empty()) out += fmt::format(" ({} impossible combinations dropped)", setup.dropped.size());
  out += "\n";

  std::vector<const CandidateRecord*> shown;
  for (const auto& r : result.candidates) {
    if (fate_order(r.fate) < 4 || r.pareto) shown.push_back(&r);
  }
  std::stable_sort(shown.begin(), shown.end(), [](const CandidateRecord* a, const CandidateRecord* b) {
    if (fate_order(a->fate) != fate_order(b->fate)) return fate_order(a->fate) < fate_order(b->fate);
    return a->evaluation.score < b->evaluation.score;
  });
  std::vector<std::vector<std::string>> rows = {
      {"", "candidate", "rung", "median ms", "p99 ms", "items/s", "speedup", "cosine", "peak RSS", "fate"}};
  for (const auto* r : shown) rows.push_back(row(result, *r));
  if (shown.empty()) {
    out += "  (no feasible candidate: the reasons are below)\n";
  } else {
    out += align_columns(rows, {true, true, true, false, false, false, false, false, false, true});
    out += "* winner, = tied with it, P on the Pareto front (median latency, throughput, cosine vs the baseline); "
           "speedup: the baseline's " + std::string(to_string(s.objective)) + " / the candidate's, in the same batch\n";
  }

  std::map<int, std::size_t> eliminated;
  std::map<Fate, std::vector<const CandidateRecord*>> rejected;
  std::size_t unmeasured = 0;
  for (const auto& r : result.candidates) {
    if (r.fate == Fate::eliminated) ++eliminated[r.rung];
    if (r.fate == Fate::infeasible || r.fate == Fate::failed || r.fate == Fate::skipped) rejected[r.fate].push_back(&r);
    unmeasured += r.fate == Fate::unmeasured;
  }
  if (!eliminated.empty()) {
    std::vector<std::string> parts;
    for (const auto& [rung, count] : eliminated) parts.push_back(fmt::format("{} at rung {}", count, rung));
    out += "eliminated: " + join(parts, ", ") + "\n";
  }
  for (const auto& [fate, records] : rejected) {
    out += fmt::format("{}: {}\n", to_string(fate), records.size());
    for (std::size_t i = 0; i < std::min(kListed, records.size()); ++i) {
      out += "  " + printable(records[i]->candidate.name) + ": " + printable(records[i]->reason) + "\n";
    }
    if (records.size() > kListed) out += fmt::format("  ... and {} more (the report has them all)\n", records.size() - kListed);
  }
  if (!setup.dropped.empty()) {
    out += fmt::format("dropped before measuring: {} (e.g. {}: {})\n", setup.dropped.size(),
                       printable(setup.dropped.front().candidate.name), printable(setup.dropped.front().reason));
  }
  if (unmeasured > 0) out += fmt::format("not measured: {} (the search stopped: {})\n", unmeasured, result.stopped);
  out += verdict_lines(result, setup);
  out += fmt::format("search took {} of the {} budget; a worker took {} to start\n", format_duration(result.elapsed_seconds),
                     format_duration(s.budget_seconds), format_duration(result.startup_seconds));
  return out;
}

}  // namespace tb::tune
