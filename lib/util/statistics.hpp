#pragma once
// Descriptive statistics of latency samples. Pure functions, no I/O, no LibTorch.
#include <cstddef>
#include <span>
#include <vector>

namespace tb {

struct Summary {
  std::size_t count = 0;
  double min = 0;
  double median = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for fewer than two samples
  double cv = 0;      // stddev / mean; 0 when the mean is 0
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double max = 0;
};

// Quantile q in [0, 1] of already sorted data by linear interpolation between closest
// ranks (Hyndman & Fan type 7, the default of NumPy and R). Requires non-empty input.
double quantile_sorted(std::span<const double> sorted, double q);

// Summary of unsorted samples; all fields 0 for an empty span.
Summary summarize(std::span<const double> samples);

}  // namespace tb
