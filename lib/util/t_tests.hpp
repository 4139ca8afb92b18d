#pragma once
// Student's t-tests on small samples, for comparisons whose unit of observation is a worker
// process (one value per process): Welch's test for two independent sets, and the paired
// (one-sample) test for differences measured side by side. Pure functions, no LibTorch.
#include <span>

namespace tb {

struct TTest {
  double difference = 0;  // Welch: mean(a) - mean(b); paired: mean(d)
  double low = 0;         // confidence interval of the difference
  double high = 0;
  double t = 0;           // difference / standard_error
  double df = 0;          // degrees of freedom (Welch–Satterthwaite, or n - 1 paired)
  double p_value = 1;     // two-sided, against a difference of 0
  double standard_error = 0;
};

// Two-sided Welch test of mean(a) - mean(b) and its `confidence` interval (the same as
// SciPy's ttest_ind(a, b, equal_var=False)). Needs at least 2 values on each side; with
// fewer, or when both sides have no spread at all, the interval is unbounded
// (-inf..+inf around the difference) and p is 1: there is no evidence either way.
// Throws std::invalid_argument unless 0 < confidence < 1. Values must be finite.
TTest welch_t_test(std::span<const double> a, std::span<const double> b, double confidence);

// Two-sided one-sample test of mean(d) against 0 and its `confidence` interval: the paired
// test when d holds differences of matched pairs (the same as SciPy's ttest_1samp(d, 0), or
// ttest_rel(a, b) on d = a - b). Needs at least 2 values with some spread; otherwise the
// interval is unbounded and p is 1, as for welch_t_test.
TTest paired_t_test(std::span<const double> differences, double confidence);

}  // namespace tb
