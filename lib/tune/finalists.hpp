#pragma once
// The end of a search: the finalists, measured side by side in one interleaved batch with
// several worker processes, compared pairwise with the paired A/B statistics
// (compare/verdict.hpp), so that the winner is named only when it is significantly better
// than the runner-up; otherwise they are reported as tied. Pure functions.
#include <cstddef>
#include <optional>
#include <vector>

#include "compare/verdict.hpp"
#include "report/report_reader.hpp"
#include "tune/objective.hpp"

namespace tb::tune {

struct Finalist {
  std::size_t index = 0;  // the caller's candidate index
  double score = 0;       // lower is better (objective cost / the batch baseline's)
  std::vector<report::RoundRecord> rounds;  // per call, or per item for throughput (rounds_of)
};

struct PairComparison {
  std::size_t base = 0;       // candidate index of the better-scored side
  std::size_t candidate = 0;  // the other: the verdict says whether it is slower than base
  compare::SampleVerdict verdict;
};

struct FinalDecision {
  std::optional<std::size_t> winner;          // candidate index
  std::vector<std::size_t> tied;              // finalists the data cannot tell from the winner
  std::vector<PairComparison> comparisons;    // every pair, the better score as the base
};

// The paired verdict of `candidate` against `base` on the objective's statistic per round:
// compare_paired (round medians) for latency-p50 and throughput (rounds per item), the same
// method on each round's 99th percentile for latency-p99.
compare::SampleVerdict paired_verdict(const std::vector<report::RoundRecord>& base,
                                      const std::vector<report::RoundRecord>& candidate, Objective objective,
                                      const compare::VerdictOptions& options);

// The winner is the best score, unless a finalist is significantly faster than it by the
// paired test (the pooled statistic and the paired one can disagree on near-equal
// candidates): then that one, and the comparisons are read again. Every other finalist that
// is not significantly slower than the winner ("same" or "inconclusive") is tied with it.
FinalDecision decide_final(const std::vector<Finalist>& finalists, Objective objective,
                           const compare::VerdictOptions& options);

}  // namespace tb::tune
