#include "util/welch_test.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>

namespace tb {
namespace {

struct Moments {
  double mean = 0;
  double variance = 0;  // unbiased (n - 1)
};

Moments moments(std::span<const double> x) {
  Moments m;
  for (const double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (const double v : x) m.variance += (v - m.mean) * (v - m.mean);
  m.variance /= static_cast<double>(x.size() - 1);
  return m;
}

}  // namespace

WelchTest welch_t_test(std::span<const double> a, std::span<const double> b, double confidence) {
  if (!(confidence > 0 && confidence < 1)) throw std::invalid_argument("confidence must be in (0, 1)");
  WelchTest w;
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (a.size() < 2 || b.size() < 2) {
    if (!a.empty() && !b.empty()) w.difference = moments(a).mean - moments(b).mean;  // n = 1: the mean is the value
    w.low = -inf;
    w.high = inf;
    return w;
  }
  const auto ma = moments(a);
  const auto mb = moments(b);
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  const double va = ma.variance / na;
  const double vb = mb.variance / nb;
  w.difference = ma.mean - mb.mean;
  w.standard_error = std::sqrt(va + vb);
  if (!(w.standard_error > 0)) {  // no spread on either side: nothing to scale a difference by
    w.low = -inf;
    w.high = inf;
    return w;
  }
  w.df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
  w.t = w.difference / w.standard_error;
  const boost::math::students_t dist(w.df);
  w.p_value = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(dist, std::abs(w.t))));
  const double q = boost::math::quantile(boost::math::complement(dist, (1 - confidence) / 2));
  w.low = w.difference - q * w.standard_error;
  w.high = w.difference + q * w.standard_error;
  return w;
}

}  // namespace tb
