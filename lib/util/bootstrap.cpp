#include "util/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <boost/math/special_functions/beta.hpp>

#include "util/random.hpp"
#include "util/statistics.hpp"

namespace tb {
namespace {

// Double precision throughout (Boost would otherwise compute in long double: slower, and
// the interval does not need it).
using BetaPolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

// Draws the median of one bootstrap resample of `sorted` without building the resample.
//
// A resample draws n values x[floor(n·U_i)] with U_i uniform on (0, 1). floor(n·u) is
// monotone, so the resample's j-th smallest value is x[floor(n·U_(j))], where U_(j) is the
// j-th order statistic of n uniforms: Beta(j, n − j + 1). For an odd n the median is the
// k = (n + 1)/2-th value. For an even n it is the mean of the k = n/2-th and (k+1)-th; given
// U_(k) = u, the other n − k uniforms are uniform on (u, 1) and U_(k+1) is their minimum,
// u + (1 − u)(1 − V^(1/(n−k))) with V uniform. The draws therefore have exactly the
// distribution of the classic resample-and-partition bootstrap, at a cost independent of n.
class MedianSampler {
 public:
  explicit MedianSampler(std::span<const double> samples) : sorted_(samples.begin(), samples.end()) {
    std::sort(sorted_.begin(), sorted_.end());
    const std::size_t n = sorted_.size();
    even_ = n % 2 == 0;
    rank_ = even_ ? n / 2 : (n + 1) / 2;
  }

  double median() const { return quantile_sorted(sorted_, 0.5); }

  double draw(Xoshiro256& rng) const {
    const std::size_t n = sorted_.size();
    if (n == 1) return sorted_[0];
    const double a = static_cast<double>(rank_);
    const double b = static_cast<double>(n - rank_ + 1);
    const double u = boost::math::ibeta_inv(a, b, rng.open01(), BetaPolicy());
    if (!even_) return at(u);
    const double above = static_cast<double>(n - rank_);
    const double next = u + (1 - u) * -std::expm1(std::log(rng.open01()) / above);
    return (at(u) + at(next)) / 2;
  }

 private:
  double at(double u) const {
    const auto n = sorted_.size();
    const auto index = static_cast<std::size_t>(u * static_cast<double>(n));
    return sorted_[std::min(index, n - 1)];
  }

  std::vector<double> sorted_;
  std::size_t rank_ = 0;
  bool even_ = false;
};

void check_arguments(double confidence, int resamples) {
  if (!(confidence > 0 && confidence < 1)) throw std::invalid_argument("bootstrap: confidence must be in (0, 1)");
  if (resamples < 1) throw std::invalid_argument("bootstrap: resamples must be at least 1");
}

// The percentile interval of `draws` (sorted in place).
void percentile_interval(std::vector<double>& draws, double confidence, Interval& out) {
  std::sort(draws.begin(), draws.end());
  out.low = quantile_sorted(draws, (1 - confidence) / 2);
  out.high = quantile_sorted(draws, (1 + confidence) / 2);
}

}  // namespace

Interval bootstrap_median_ci(std::span<const double> samples, double confidence, int resamples, std::uint64_t seed) {
  check_arguments(confidence, resamples);
  Interval ci;
  if (samples.empty()) return ci;
  const MedianSampler sampler(samples);
  Xoshiro256 rng(seed);
  std::vector<double> draws(static_cast<std::size_t>(resamples));
  for (auto& d : draws) d = sampler.draw(rng);
  ci.estimate = sampler.median();
  percentile_interval(draws, confidence, ci);
  return ci;
}

Interval bootstrap_ratio_ci(std::span<const double> base, std::span<const double> candidate, double confidence,
                            int resamples, std::uint64_t seed) {
  check_arguments(confidence, resamples);
  Interval ci;
  if (base.empty() || candidate.empty()) return ci;
  const MedianSampler base_sampler(base);
  const MedianSampler candidate_sampler(candidate);
  if (!(base_sampler.median() > 0)) return ci;
  Xoshiro256 rng(seed);
  std::vector<double> draws(static_cast<std::size_t>(resamples));
  for (auto& d : draws) {
    const double b = base_sampler.draw(rng);
    const double c = candidate_sampler.draw(rng);
    d = b > 0 ? c / b : std::numeric_limits<double>::infinity();  // never NaN: sorting stays valid
  }
  ci.estimate = candidate_sampler.median() / base_sampler.median();
  percentile_interval(draws, confidence, ci);
  return ci;
}

double relative_ci_half_width(const Interval& ci) {
  if (!(ci.estimate > 0)) return std::numeric_limits<double>::infinity();
  return (ci.high - ci.low) / 2 / ci.estimate;
}

}  // namespace tb
