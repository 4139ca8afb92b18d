#pragma once
// Outliers of latency samples by Tukey's fences. Pure functions, no I/O, no LibTorch.
#include <cstddef>
#include <span>

namespace tb {

// With Q1, Q3 the quartiles (type 7, as in util/statistics.hpp) and IQR = Q3 − Q1:
// severe  below Q1 − 3·IQR or above Q3 + 3·IQR;
// mild    below Q1 − 1.5·IQR or above Q3 + 1.5·IQR, and not severe.
// Each sample is counted at most once, so total() is the number of outlying samples.
struct OutlierCounts {
  std::size_t low_mild = 0, high_mild = 0, low_severe = 0, high_severe = 0;
  std::size_t total() const;
};

inline constexpr double kMildFence = 1.5;    // IQRs beyond the quartiles
inline constexpr double kSevereFence = 3.0;

// Counts by the rule above; all 0 for fewer than four samples (quartiles mean little).
OutlierCounts count_outliers(std::span<const double> samples);

}  // namespace tb
