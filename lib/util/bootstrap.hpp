#pragma once
// Percentile-bootstrap confidence intervals of a median and of a ratio of medians.
// Pure functions, no I/O, no LibTorch. The method is in docs/statistics.md.
#include <cstdint>
#include <span>

namespace tb {

struct Interval {
  double estimate = 0;  // the statistic on the samples themselves
  double low = 0;
  double high = 0;
};

// Percentile bootstrap confidence interval of the median (type 7: the mean of the two middle
// values for an even count). `estimate` is the sample median. Deterministic for a seed, on
// every platform. Empty input: all 0; one sample: {x, x, x}. Samples must be finite.
// Throws std::invalid_argument unless 0 < confidence < 1 and resamples >= 1.
//
// Cost does not grow with the number of samples beyond one sort: each resample's median is
// drawn from its exact distribution (the order statistics of the resample) instead of
// building and partitioning n resampled values; see docs/statistics.md.
Interval bootstrap_median_ci(std::span<const double> samples, double confidence = 0.95, int resamples = 2000,
                             std::uint64_t seed = 1);

// Confidence interval of median(candidate) / median(base), both resampled independently
// (ratio > 1: the candidate is slower). `estimate` is the ratio of the sample medians.
// All 0 when either side is empty or the base median is not positive. Same preconditions
// and exceptions as bootstrap_median_ci.
Interval bootstrap_ratio_ci(std::span<const double> base, std::span<const double> candidate, double confidence = 0.95,
                            int resamples = 2000, std::uint64_t seed = 1);

// Half the interval's width relative to its estimate: 0.01 means "±1%". +infinity when the
// estimate is not positive (nothing measured yet), so adaptive stopping keeps measuring.
double relative_ci_half_width(const Interval& ci);

}  // namespace tb
