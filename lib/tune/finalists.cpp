#include "tune/finalists.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "util/statistics.hpp"
#include "util/t_tests.hpp"

namespace tb::tune {
namespace {

double log_p99(const std::vector<double>& samples) {
  return std::log(std::max(summarize(samples).p99, std::numeric_limits<double>::min()));
}

// compare_paired's method (docs/statistics.md) on round p99s: per process the median of the
// rounds' log-ratios, then the paired t-test over processes; over rounds with one process.
compare::SampleVerdict compare_paired_p99(const std::vector<report::RoundRecord>& base,
                                          const std::vector<report::RoundRecord>& candidate,
                                          const compare::VerdictOptions& options) {
  std::map<std::int64_t, std::vector<double>> differences;
  std::vector<double> all;
  for (std::size_t r = 0; r < std::min(base.size(), candidate.size()); ++r) {
    if (base[r].process != candidate[r].process) break;
    if (base[r].samples.empty() || candidate[r].samples.empty()) continue;
    const double d = log_p99(candidate[r].samples) - log_p99(base[r].samples);
    differences[base[r].process].push_back(d);
    all.push_back(d);
  }
  compare::SampleVerdict v;
  v.method = compare::Method::paired;
  v.paired_rounds = all.size();
  std::vector<double> units = all;
  if (differences.size() >= 2) {
    units.clear();
    for (const auto& [process, d] : differences) units.push_back(summarize(d).median);
  }
  v.base_processes = v.candidate_processes = differences.size();
  if (units.empty()) {
    v.reason = "no rounds to pair";
    return v;
  }
  const auto t = paired_t_test(units, options.confidence());
  v.ratio = {std::exp(t.difference), std::exp(t.low), std::exp(t.high)};
  v.p_value = t.p_value;
  v.verdict = compare::decide(v.ratio, v.p_value, options, &v.reason);
  v.reason += fmt::format(" (p99 of {} rounds paired in {} processes)", all.size(), differences.size());
  return v;
}

compare::Verdict inverted(compare::Verdict v) {
  if (v == compare::Verdict::faster) return compare::Verdict::slower;
  if (v == compare::Verdict::slower) return compare::Verdict::faster;
  return v;
}

}  // namespace

compare::SampleVerdict paired_verdict(const std::vector<report::RoundRecord>& base,
                                      const std::vector<report::RoundRecord>& candidate, Objective objective,
                                      const compare::VerdictOptions& options) {
  if (objective == Objective::latency_p99) return compare_paired_p99(base, candidate, options);
  return compare::compare_paired(base, candidate, options);
}

FinalDecision decide_final(const std::vector<Finalist>& finalists, Objective objective,
                           const compare::VerdictOptions& options) {
  FinalDecision decision;
  if (finalists.empty()) return decision;
  std::vector<std::size_t> order(finalists.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return finalists[a].score < finalists[b].score; });
  // verdicts[{i, j}]: finalist j against finalist i, i the better score.
  std::map<std::pair<std::size_t, std::size_t>, compare::Verdict> verdicts;
  for (std::size_t a = 0; a < order.size(); ++a) {
    for (std::size_t b = a + 1; b < order.size(); ++b) {
      const auto& base = finalists[order[a]];
      const auto& other = finalists[order[b]];
      auto verdict = paired_verdict(base.rounds, other.rounds, objective, options);
      verdicts[{order[a], order[b]}] = verdict.verdict;
      decision.comparisons.push_back({base.index, other.index, std::move(verdict)});
    }
  }
  // How finalist f did against finalist w: slower, faster, same or inconclusive.
  const auto against = [&](std::size_t w, std::size_t f) {
    if (const auto it = verdicts.find({w, f}); it != verdicts.end()) return it->second;
    return inverted(verdicts.at({f, w}));
  };
  std::size_t winner = order.front();
  for (std::size_t step = 0; step < order.size(); ++step) {
    const auto faster = std::find_if(order.begin(), order.end(), [&](std::size_t f) {
      return f != winner && against(winner, f) == compare::Verdict::faster;
    });
    if (faster == order.end()) break;
    winner = *faster;
  }
  decision.winner = finalists[winner].index;
  for (const auto f : order) {
    if (f != winner && against(winner, f) != compare::Verdict::slower) decision.tied.push_back(finalists[f].index);
  }
  return decision;
}

}  // namespace tb::tune
