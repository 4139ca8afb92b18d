#pragma once
// Rank tests on two independent samples. Pure functions, no I/O, no LibTorch.
#include <span>

namespace tb {

struct MannWhitney {
  double u = 0;        // U of `a`: pairs (x in a, y in b) with x > y, plus half the ties
  double z = 0;        // standardised U; > 0 when `a` tends to be larger than `b`
  double p_value = 1;  // two-sided
};

// Mann–Whitney U test (Wilcoxon rank-sum), two-sided, by the normal approximation with the
// tie correction of the variance and a continuity correction of 0.5 towards the mean (the
// same as SciPy's mannwhitneyu(..., method="asymptotic")). Either sample empty, or every
// value equal: {0 or U, 0, 1}. Samples must be finite.
MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b);

}  // namespace tb
