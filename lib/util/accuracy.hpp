#pragma once
// Agreement between a variant's outputs and the baseline's, over all output values.
// Pure arithmetic on doubles; the LibTorch layer flattens the output tensors into spans.
#include <cstddef>
#include <span>

namespace tb {

struct AccuracyStats {
  std::size_t count = 0;    // values compared
  double max_abs_err = 0;   // max |a - r|
  // max |a - r| / max(|r|, floor) with floor = 1e-3 * max|r| (at least 1e-30), so that
  // reference values near zero do not turn rounding noise into huge ratios.
  double max_rel_err = 0;
  double cosine = 1;        // a.r / (|a| |r|); 1 when both are all-zero, 0 when only one is
  bool non_finite = false;  // a NaN or infinity appeared on either side (errors are then inf)
};

// `actual` and `reference` must have the same length.
AccuracyStats compare_values(std::span<const double> actual, std::span<const double> reference);

}  // namespace tb
