#include "compare/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <map>

#include <fmt/format.h>

#include "util/statistics.hpp"
#include "util/t_tests.hpp"

namespace tb::compare {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::same: return "same";
    case Verdict::faster: return "faster";
    case Verdict::slower: return "slower";
    case Verdict::inconclusive: return "inconclusive";
    case Verdict::failed: return "failed";
    case Verdict::missing: return "missing";
  }
  return "";
}

std::string_view to_string(Method method) {
  switch (method) {
    case Method::samples: return "samples";
    case Method::processes: return "processes";
    case Method::paired: return "paired";
    case Method::normalized: return "normalized";
  }
  return "";
}

std::string format_change(double ratio) {
  const double percent = (ratio - 1) * 100;
  return fmt::format("{}{:.1f}%", percent < 0 ? "-" : "+", std::abs(percent));
}

Verdict decide(const Interval& ratio, double p_value, const VerdictOptions& options, std::string* reason) {
  const bool significant = p_value < options.alpha;
  const auto interval = fmt::format("{:g}% CI {}..{}", options.confidence() * 100, format_change(ratio.low),
                                    format_change(ratio.high));
  const auto half = fmt::format("{:g}%", options.threshold * 50);
  const auto full = fmt::format("{:g}%", options.threshold * 100);
  auto explain = [&](Verdict verdict, std::string why) {
    if (reason) *reason = std::move(why);
    return verdict;
  };
  if (!(ratio.estimate > 0)) return explain(Verdict::inconclusive, "no usable samples");
  if (significant && ratio.low > 1 && ratio.estimate >= options.slower_at()) {
    return explain(Verdict::slower, fmt::format("p {:.2g} < {:g}, {} above no change, {} is past half the {} threshold",
                                                p_value, options.alpha, interval, format_change(ratio.estimate), full));
  }
  if (significant && ratio.high < 1 && ratio.estimate <= options.faster_at()) {
    return explain(Verdict::faster, fmt::format("p {:.2g} < {:g}, {} below no change, {} is past half the {} threshold",
                                                p_value, options.alpha, interval, format_change(ratio.estimate), full));
  }
  const double upper = 1 + options.threshold;
  if (ratio.low >= 1 / upper && ratio.high <= upper) {
    return explain(Verdict::same, fmt::format("{} within ±{}", interval, full));
  }
  std::string why = fmt::format("{} reaches past ±{}", interval, full);
  if (!significant) {
    why += fmt::format(" and p {:.2g} >= {:g}", p_value, options.alpha);
  } else if (std::abs(std::log(ratio.estimate)) < std::log(options.slower_at())) {
    why += fmt::format(" but {} is within ±{}", format_change(ratio.estimate), half);
  } else {
    why += " but the interval includes no change";
  }
  return explain(Verdict::inconclusive, why + "; measure longer");
}

SampleVerdict compare_samples(std::span<const double> base, std::span<const double> candidate,
                              const VerdictOptions& options) {
  SampleVerdict v;
  if (base.empty() || candidate.empty()) {
    v.reason = "no samples";
    return v;
  }
  v.ratio = bootstrap_ratio_ci(base, candidate, options.confidence(), options.resamples, options.seed);
  v.test = mann_whitney_u(candidate, base);
  v.p_value = v.test.p_value;
  v.verdict = decide(v.ratio, v.p_value, options, &v.reason);
  return v;
}

namespace {

std::vector<double> pooled(const std::vector<std::vector<double>>& groups) {
  std::vector<double> all;
  for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
  return all;
}

// A zero median (a timer too coarse for the model) has no logarithm: the smallest positive
// double stands in, which makes the comparison inconclusive, not undefined.
double log_median(const std::vector<double>& samples) {
  return std::log(std::max(summarize(samples).median, std::numeric_limits<double>::min()));
}

std::vector<double> log_medians(const std::vector<std::vector<double>>& groups) {
  std::vector<double> logs;
  for (const auto& g : groups) {
    if (!g.empty()) logs.push_back(log_median(g));
  }
  return logs;
}

}  // namespace

SampleVerdict compare_processes(const std::vector<std::vector<double>>& base,
                                const std::vector<std::vector<double>>& candidate, const VerdictOptions& options) {
  const auto base_logs = log_medians(base);
  const auto candidate_logs = log_medians(candidate);
  const auto base_all = pooled(base);
  const auto candidate_all = pooled(candidate);
  if (base_logs.size() < 2 || candidate_logs.size() < 2) {
    auto v = compare_samples(base_all, candidate_all, options);
    v.base_processes = base_logs.size();
    v.candidate_processes = candidate_logs.size();
    return v;
  }
  SampleVerdict v;
  v.method = Method::processes;
  v.base_processes = base_logs.size();
  v.candidate_processes = candidate_logs.size();
  const auto welch = welch_t_test(candidate_logs, base_logs, options.confidence());
  v.ratio = {std::exp(welch.difference), std::exp(welch.low), std::exp(welch.high)};
  v.test = mann_whitney_u(candidate_all, base_all);
  v.p_value = welch.p_value;
  v.verdict = decide(v.ratio, v.p_value, options, &v.reason);
  v.reason += fmt::format(" ({} vs {} processes)", v.base_processes, v.candidate_processes);
  return v;
}

PairedRounds paired_log_ratios(const std::vector<report::RoundRecord>& base,
                               const std::vector<report::RoundRecord>& candidate) {
  std::map<std::int64_t, std::vector<double>> differences;  // per process: log-ratio of each paired round
  PairedRounds out;
  for (std::size_t r = 0; r < std::min(base.size(), candidate.size()); ++r) {
    if (base[r].process != candidate[r].process) break;  // the sides' schedules part here
    if (base[r].samples.empty() || candidate[r].samples.empty()) continue;
    differences[base[r].process].push_back(log_median(candidate[r].samples) - log_median(base[r].samples));
    ++out.rounds;
  }
  for (const auto& [process, d] : differences) out.per_process.push_back(summarize(d).median);
  return out;
}

SampleVerdict compare_paired(const std::vector<report::RoundRecord>& base,
                             const std::vector<report::RoundRecord>& candidate, const VerdictOptions& options) {
  const auto pairs = paired_log_ratios(base, candidate);
  if (pairs.per_process.size() < 2) {
    return compare_processes(report::samples_by_process(base), report::samples_by_process(candidate), options);
  }
  SampleVerdict v;
  v.method = Method::paired;
  v.base_processes = v.candidate_processes = pairs.per_process.size();
  v.paired_rounds = pairs.rounds;
  const auto t = paired_t_test(pairs.per_process, options.confidence());
  v.ratio = {std::exp(t.difference), std::exp(t.low), std::exp(t.high)};
  v.test = mann_whitney_u(pooled(report::samples_by_process(candidate)), pooled(report::samples_by_process(base)));
  v.p_value = t.p_value;
  v.verdict = decide(v.ratio, v.p_value, options, &v.reason);
  v.reason += fmt::format(" ({} rounds paired in {} processes)", pairs.rounds, pairs.per_process.size());
  return v;
}

std::optional<SampleVerdict> compare_normalized(const NormalizedSide& base, const NormalizedSide& candidate,
                                                const VerdictOptions& options) {
  const auto b = paired_log_ratios(base.reference, base.result);
  const auto c = paired_log_ratios(candidate.reference, candidate.result);
  if (b.per_process.size() < 2 || c.per_process.size() < 2) return std::nullopt;
  SampleVerdict v;
  v.method = Method::normalized;
  v.base_processes = b.per_process.size();
  v.candidate_processes = c.per_process.size();
  v.paired_rounds = b.rounds + c.rounds;
  const auto welch = welch_t_test(c.per_process, b.per_process, options.confidence());
  v.ratio = {std::exp(welch.difference), std::exp(welch.low), std::exp(welch.high)};
  v.test = mann_whitney_u(pooled(report::samples_by_process(candidate.result)),
                          pooled(report::samples_by_process(base.result)));
  v.p_value = welch.p_value;
  v.verdict = decide(v.ratio, v.p_value, options, &v.reason);
  v.reason += fmt::format(" ({} vs {} processes, each relative to {})", v.base_processes, v.candidate_processes,
                          base.label.empty() ? "the reference" : base.label);
  return v;
}

}  // namespace tb::compare
