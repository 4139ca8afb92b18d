#include "util/rank_tests.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <boost/math/distributions/normal.hpp>

namespace tb {

MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  MannWhitney result;
  if (a.empty() || b.empty()) return result;
  const double n1 = static_cast<double>(a.size());
  const double n2 = static_cast<double>(b.size());
  const double n = n1 + n2;

  // Pool both samples (value, from a?) and sort; ties get their mean rank (midranks).
  std::vector<std::pair<double, bool>> pooled;
  pooled.reserve(a.size() + b.size());
  for (const double x : a) pooled.emplace_back(x, true);
  for (const double y : b) pooled.emplace_back(y, false);
  std::sort(pooled.begin(), pooled.end(), [](const auto& l, const auto& r) { return l.first < r.first; });

  double rank_sum_a = 0;
  double tie_term = 0;  // sum over tie groups of t^3 - t
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // ranks are 1-based
    for (std::size_t k = i; k < j; ++k) {
      if (pooled[k].second) rank_sum_a += midrank;
    }
    tie_term += t * t * t - t;
    i = j;
  }

  result.u = rank_sum_a - n1 * (n1 + 1) / 2;
  const double mean = n1 * n2 / 2;
  const double variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (!(variance > 0)) return result;  // every value equal: no evidence either way
  const double distance = result.u - mean;
  const double corrected = std::max(std::abs(distance) - 0.5, 0.0);
  result.z = std::copysign(corrected, distance) / std::sqrt(variance);
  const boost::math::normal_distribution<double> standard;
  result.p_value = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(standard, std::abs(result.z))));
  return result;
}

}  // namespace tb
