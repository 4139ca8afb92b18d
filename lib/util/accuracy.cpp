#include "util/accuracy.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace tb {

AccuracyStats compare_values(std::span<const double> actual, std::span<const double> reference) {
  assert(actual.size() == reference.size());
  AccuracyStats stats;
  stats.count = actual.size();
  double max_abs_ref = 0, dot = 0, norm_a = 0, norm_r = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], r = reference[i];
    if (!std::isfinite(a) || !std::isfinite(r)) {
      stats.non_finite = true;
      continue;
    }
    max_abs_ref = std::max(max_abs_ref, std::abs(r));
    stats.max_abs_err = std::max(stats.max_abs_err, std::abs(a - r));
    dot += a * r;
    norm_a += a * a;
    norm_r += r * r;
  }
  const double floor = std::max(1e-3 * max_abs_ref, 1e-30);
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], r = reference[i];
    if (!std::isfinite(a) || !std::isfinite(r)) continue;
    stats.max_rel_err = std::max(stats.max_rel_err, std::abs(a - r) / std::max(std::abs(r), floor));
  }
  if (norm_a == 0 && norm_r == 0) {
    stats.cosine = 1;
  } else if (norm_a == 0 || norm_r == 0) {
    stats.cosine = 0;
  } else {
    stats.cosine = std::clamp(dot / (std::sqrt(norm_a) * std::sqrt(norm_r)), -1.0, 1.0);
  }
  if (stats.non_finite) {
    stats.max_abs_err = stats.max_rel_err = std::numeric_limits<double>::infinity();
    stats.cosine = std::numeric_limits<double>::quiet_NaN();
  }
  return stats;
}

}  // namespace tb
