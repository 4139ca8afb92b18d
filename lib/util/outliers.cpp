#include "util/outliers.hpp"

#include <algorithm>
#include <vector>

#include "util/statistics.hpp"

namespace tb {

std::size_t OutlierCounts::total() const { return low_mild + high_mild + low_severe + high_severe; }

OutlierCounts count_outliers(std::span<const double> samples) {
  OutlierCounts counts;
  if (samples.size() < 4) return counts;
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  const double q1 = quantile_sorted(sorted, 0.25);
  const double q3 = quantile_sorted(sorted, 0.75);
  const double iqr = q3 - q1;
  for (const double x : sorted) {
    if (x < q1 - kSevereFence * iqr) {
      ++counts.low_severe;
    } else if (x < q1 - kMildFence * iqr) {
      ++counts.low_mild;
    } else if (x > q3 + kSevereFence * iqr) {
      ++counts.high_severe;
    } else if (x > q3 + kMildFence * iqr) {
      ++counts.high_mild;
    }
  }
  return counts;
}

}  // namespace tb
