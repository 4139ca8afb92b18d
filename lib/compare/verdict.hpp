#pragma once
// The A/B decision for one (model, variant): is the new run faster, slower, the same, or
// can the data not tell? Pure functions on samples; the rule is in docs/statistics.md.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "report/report_reader.hpp"
#include "util/bootstrap.hpp"
#include "util/rank_tests.hpp"

namespace tb::compare {

enum class Verdict {
  same,          // the confidence interval rules out a change as large as the threshold
  faster,        // significant and at least half the threshold faster
  slower,        // significant and at least half the threshold slower
  inconclusive,  // neither: too noisy or too few samples to tell
  failed,        // the new side did not produce samples (failed or skipped)
  missing,       // nothing to compare with: in one report only, or the base side failed
};

std::string_view to_string(Verdict verdict);

struct VerdictOptions {
  double alpha = 0.01;      // significance level of Mann–Whitney; the ratio CI has confidence 1 − alpha
  double threshold = 0.05;  // the smallest relative change that matters (0.05 = 5%)
  int resamples = 2000;     // bootstrap resamples
  std::uint64_t seed = 1;   // bootstrap seed: the same inputs always give the same verdict

  double confidence() const { return 1 - alpha; }
  // Where "slower" starts: half the threshold (see docs/statistics.md for why).
  double slower_at() const { return 1 + threshold / 2; }
  double faster_at() const { return 1 / slower_at(); }
};

// What a verdict was computed over.
enum class Method {
  samples,    // every iteration: bootstrap ratio CI and Mann–Whitney (one process a side)
  processes,  // one median per worker process: Welch's t on their logarithms (2+ a side)
  paired,      // one run, interleaved: log-ratios of rounds measured side by side, one per process pair
  normalized,  // two runs, each relative to a reference measured in its rounds (compare --reference)
};

std::string_view to_string(Method method);

struct SampleVerdict {
  Method method = Method::samples;
  Interval ratio;        // new / base and its CI at options.confidence()
  MannWhitney test;      // new against base, over all samples (both methods)
  double p_value = 1;    // of the test the verdict used: test.p_value, or Welch's
  std::size_t base_processes = 1;
  std::size_t candidate_processes = 1;
  std::size_t paired_rounds = 0;  // paired, normalized: the rounds that formed pairs
  Verdict verdict = Verdict::inconclusive;
  std::string reason;    // one short phrase: why this verdict
};

// The decision rule on a ratio interval and a p-value (ratio > 1: slower):
//   slower        p < alpha, CI low > 1 and estimate >= 1 + threshold/2
//   faster        p < alpha, CI high < 1 and estimate <= 1 / (1 + threshold/2)
//   same          otherwise, when the CI lies within [1 / (1 + threshold), 1 + threshold]
//   inconclusive  otherwise
// `reason` receives why, e.g. "99% CI +0.8%..+3.1% within ±5%".
Verdict decide(const Interval& ratio, double p_value, const VerdictOptions& options, std::string* reason = nullptr);

// Bootstrap ratio CI and Mann–Whitney on the two sample sets (already per item when the
// batch sizes differ), then decide(). Either side empty: inconclusive, "no samples".
SampleVerdict compare_samples(std::span<const double> base, std::span<const double> candidate,
                              const VerdictOptions& options);

// The same question when each side was measured by several worker processes (run
// --processes): a process has a bias of its own (memory layout, cache luck) that its own
// samples cannot show, so the unit of observation is the process. Each process gives the
// median of its samples; the ratio is exp(mean log median(new) - mean log median(base)), a
// geometric mean; its CI and p come from Welch's t-test on the log medians. With fewer than
// two processes on either side, compare_samples() on the pooled samples instead.
SampleVerdict compare_processes(const std::vector<std::vector<double>>& base,
                                const std::vector<std::vector<double>>& candidate, const VerdictOptions& options);

// Two results of one interleaved run (two variants, or two models): round r of each was
// measured by process r of its side in the same stretch of time, so whatever the machine did
// then (a clock or power state, a neighbour) hit both. The unit is then the pair: each round
// gives d = log median(candidate) - log median(base); each process gives the median of its
// rounds' d (robust to a round that straddles a change of state); the ratio is exp(mean), and
// its CI and p come from the paired t-test on those per-process values. Rounds pair while
// both sides have them and their process numbers agree. With fewer than two processes that
// pair, compare_processes() on the rounds grouped by process instead.
SampleVerdict compare_paired(const std::vector<report::RoundRecord>& base, const std::vector<report::RoundRecord>& candidate,
                             const VerdictOptions& options);

// The log-ratios of two results of one interleaved run, paired by round: `rounds` pairs,
// and for each process that has pairs, the median log(median candidate / median base) over
// its rounds (in process order). Rounds pair while both have them and their processes agree.
struct PairedRounds {
  std::vector<double> per_process;
  std::size_t rounds = 0;
};
PairedRounds paired_log_ratios(const std::vector<report::RoundRecord>& base,
                               const std::vector<report::RoundRecord>& candidate);

// One side of a comparison across two runs, with a reference measured in the same rounds
// of that run: a model (or variant) that did not change between the runs.
struct NormalizedSide {
  std::vector<report::RoundRecord> result;
  std::vector<report::RoundRecord> reference;
  std::string label;  // names the reference in the reason, e.g. "builtin:mlp naive"
};

// Across two runs, the machine itself may have changed speed between them (a VM's clock or
// power state, a neighbour): that shift hits the reference as much as the result. Each side
// gives, per process, the paired log-ratio of its result to its reference
// (paired_log_ratios); the ratio of the two runs is exp of the difference of their means,
// with CI and p from Welch's t-test on those per-process values. Nullopt when either side
// has fewer than two processes with pairs.
std::optional<SampleVerdict> compare_normalized(const NormalizedSide& base, const NormalizedSide& candidate,
                                                const VerdictOptions& options);

// "+5.2%" / "-3.1%" / "+0.0%": the relative change of a ratio.
std::string format_change(double ratio);

}  // namespace tb::compare
