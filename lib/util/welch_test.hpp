#pragma once
// Welch's t-test on two small independent samples, for comparisons whose unit of
// observation is a worker process (one median per process). Pure functions, no LibTorch.
#include <span>

namespace tb {

struct WelchTest {
  double difference = 0;  // mean(a) - mean(b)
  double low = 0;         // confidence interval of the difference
  double high = 0;
  double t = 0;           // difference / standard_error; > 0 when `a` is larger
  double df = 0;          // Welch–Satterthwaite degrees of freedom
  double p_value = 1;     // two-sided
  double standard_error = 0;
};

// Two-sided Welch test of mean(a) - mean(b) and its `confidence` interval (the same as
// SciPy's ttest_ind(a, b, equal_var=False)). Needs at least 2 values on each side; with
// fewer, or when both sides have no spread at all, the interval is unbounded
// (-inf..+inf around the difference) and p is 1: there is no evidence either way.
// Throws std::invalid_argument unless 0 < confidence < 1. Values must be finite.
WelchTest welch_t_test(std::span<const double> a, std::span<const double> b, double confidence);

}  // namespace tb
