#include "util/t_tests.hpp"

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

void check_confidence(double confidence) {
  if (!(confidence > 0 && confidence < 1)) throw std::invalid_argument("confidence must be in (0, 1)");
}

// No evidence either way: the interval is every difference, p is 1.
TTest unbounded(TTest w, double difference) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  w.difference = difference;
  w.low = -inf;
  w.high = inf;
  w.p_value = 1;
  return w;
}

// t, p and the interval from the difference, its standard error and df.
void finish(TTest& w, double confidence) {
  w.t = w.difference / w.standard_error;
  const boost::math::students_t dist(w.df);
  w.p_value = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(dist, std::abs(w.t))));
  const double q = boost::math::quantile(boost::math::complement(dist, (1 - confidence) / 2));
  w.low = w.difference - q * w.standard_error;
  w.high = w.difference + q * w.standard_error;
}

}  // namespace

TTest welch_t_test(std::span<const double> a, std::span<const double> b, double confidence) {
  check_confidence(confidence);
  TTest w;
  if (a.size() < 2 || b.size() < 2) {
    // n = 1: the mean is the value
    return unbounded(w, !a.empty() && !b.empty() ? moments(a).mean - moments(b).mean : 0);
  }
  const auto ma = moments(a);
  const auto mb = moments(b);
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  const double va = ma.variance / na;
  const double vb = mb.variance / nb;
  w.difference = ma.mean - mb.mean;
  w.standard_error = std::sqrt(va + vb);
  // No spread on either side: nothing to scale a difference by.
  if (!(w.standard_error > 0)) return unbounded(w, w.difference);
  w.df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
  finish(w, confidence);
  return w;
}

TTest paired_t_test(std::span<const double> d, double confidence) {
  check_confidence(confidence);
  TTest w;
  if (d.size() < 2) return unbounded(w, d.empty() ? 0 : d.front());
  const auto m = moments(d);
  w.difference = m.mean;
  w.standard_error = std::sqrt(m.variance / static_cast<double>(d.size()));
  if (!(w.standard_error > 0)) return unbounded(w, m.mean);
  w.df = static_cast<double>(d.size() - 1);
  finish(w, confidence);
  return w;
}

}  // namespace tb
