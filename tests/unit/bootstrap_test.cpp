// tb::bootstrap_median_ci / bootstrap_ratio_ci: exact small cases, agreement with the
// classic resample-and-partition bootstrap written out here, and properties (contains the
// median, narrows with n, deterministic per seed, ratio of identical samples is 1).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "util/bootstrap.hpp"
#include "util/random.hpp"
#include "util/statistics.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// Latency-like data: 5 ms plus an exponential tail, from a fixed seed.
std::vector<double> latencies(std::size_t n, std::uint64_t seed, double scale = 1.0) {
  tb::Xoshiro256 rng(seed);
  std::vector<double> values(n);
  for (auto& v : values) v = scale * (5.0 - 0.5 * std::log(rng.open01()));
  return values;
}

// The textbook bootstrap: build each resample, take its median, sort the medians.
std::vector<double> classic_bootstrap_medians(const std::vector<double>& samples, int resamples, std::uint64_t seed) {
  tb::Xoshiro256 rng(seed);
  std::vector<double> resample(samples.size());
  std::vector<double> medians;
  for (int r = 0; r < resamples; ++r) {
    for (auto& x : resample) {
      const auto index = static_cast<std::size_t>(rng.open01() * static_cast<double>(samples.size()));
      x = samples[std::min(index, samples.size() - 1)];
    }
    std::sort(resample.begin(), resample.end());
    medians.push_back(tb::quantile_sorted(resample, 0.5));
  }
  std::sort(medians.begin(), medians.end());
  return medians;
}

}  // namespace

TEST_CASE("bootstrap median: empty and single samples", "[bootstrap]") {
  const std::vector<double> empty;
  const auto none = tb::bootstrap_median_ci(empty);
  CHECK(none.estimate == 0.0);
  CHECK(none.low == 0.0);
  CHECK(none.high == 0.0);
  const std::vector<double> one = {4.2};
  const auto single = tb::bootstrap_median_ci(one);
  CHECK(single.estimate == 4.2);
  CHECK(single.low == 4.2);
  CHECK(single.high == 4.2);
}

TEST_CASE("bootstrap median: exact distribution of tiny samples", "[bootstrap]") {
  // {1, 3}: a resample is (1,1), (1,3), (3,1) or (3,3): median 1 w.p. 1/4, 2 w.p. 1/2, 3 w.p. 1/4.
  const std::vector<double> two = {3, 1};
  const auto wide = tb::bootstrap_median_ci(two, 0.95, 4000);
  CHECK(wide.estimate == 2.0);
  CHECK(wide.low == 1.0);
  CHECK(wide.high == 3.0);
  const auto narrow = tb::bootstrap_median_ci(two, 0.30, 4000);  // quantiles 0.35 and 0.65: inside the 2s
  CHECK(narrow.low == 2.0);
  CHECK(narrow.high == 2.0);

  // {1, 2, 3}: P(median = 1) = P(at least two 1s of three) = 7/27 ≈ 0.26, the same for 3.
  const std::vector<double> three = {2, 3, 1};
  const auto mid = tb::bootstrap_median_ci(three, 0.40, 4000);  // quantiles 0.3 and 0.7
  CHECK(mid.estimate == 2.0);
  CHECK(mid.low == 2.0);
  CHECK(mid.high == 2.0);
  const auto outer = tb::bootstrap_median_ci(three, 0.60, 4000);  // quantiles 0.2 and 0.8
  CHECK(outer.low == 1.0);
  CHECK(outer.high == 3.0);
}

TEST_CASE("bootstrap median: agrees with the classic resample-and-partition bootstrap", "[bootstrap]") {
  for (const std::size_t n : {51, 200}) {  // odd and even counts
    auto data = latencies(n, 11);
    for (std::size_t i = 0; i < n; i += 5) data[i] = std::round(data[i]);  // and some ties
    const int resamples = 20000;
    const auto classic = classic_bootstrap_medians(data, resamples, 3);
    for (const double confidence : {0.5, 0.9, 0.99}) {
      const auto ci = tb::bootstrap_median_ci(data, confidence, resamples, 5);
      const double low = tb::quantile_sorted(classic, (1 - confidence) / 2);
      const double high = tb::quantile_sorted(classic, (1 + confidence) / 2);
      const double width = high - low;
      INFO("n " << n << ", confidence " << confidence << ": [" << ci.low << ", " << ci.high << "] vs classic [" << low
                << ", " << high << "]");
      // Two Monte Carlo estimates of the same quantiles: equal up to their sampling error.
      CHECK_THAT(ci.low, WithinAbs(low, 0.1 * width));
      CHECK_THAT(ci.high, WithinAbs(high, 0.1 * width));
    }
  }
}

TEST_CASE("bootstrap median: contains the median and narrows with n", "[bootstrap]") {
  double previous_width = std::numeric_limits<double>::infinity();
  for (const std::size_t n : {25, 250, 2500, 25000}) {
    const auto data = latencies(n, 21);
    const auto ci = tb::bootstrap_median_ci(data);
    CHECK(ci.estimate == tb::summarize(data).median);
    CHECK(ci.low <= ci.estimate);
    CHECK(ci.estimate <= ci.high);
    const double width = ci.high - ci.low;
    CHECK(width > 0);
    CHECK(width < previous_width);
    previous_width = width;
    const double relative = tb::relative_ci_half_width(ci);
    CHECK_THAT(relative, WithinRel(width / 2 / ci.estimate, 1e-12));
  }
  CHECK(previous_width < 0.05);  // n = 25000 of a spread ~0.5: the median is known to ±1%
}

TEST_CASE("bootstrap median: a higher confidence gives a wider interval", "[bootstrap]") {
  const auto data = latencies(300, 4);
  const auto ci90 = tb::bootstrap_median_ci(data, 0.90);
  const auto ci99 = tb::bootstrap_median_ci(data, 0.99);
  CHECK(ci99.low <= ci90.low);
  CHECK(ci99.high >= ci90.high);
  CHECK(ci99.high - ci99.low > ci90.high - ci90.low);
}

TEST_CASE("bootstrap: deterministic for a seed, different for another", "[bootstrap]") {
  const auto data = latencies(500, 8);
  const auto a = tb::bootstrap_median_ci(data, 0.95, 1000, 42);
  const auto b = tb::bootstrap_median_ci(data, 0.95, 1000, 42);
  const auto c = tb::bootstrap_median_ci(data, 0.95, 1000, 43);
  CHECK(a.low == b.low);
  CHECK(a.high == b.high);
  CHECK((a.low != c.low || a.high != c.high));
  const auto other = latencies(400, 9);
  const auto r1 = tb::bootstrap_ratio_ci(data, other, 0.95, 1000, 42);
  const auto r2 = tb::bootstrap_ratio_ci(data, other, 0.95, 1000, 42);
  CHECK(r1.low == r2.low);
  CHECK(r1.high == r2.high);
}

TEST_CASE("bootstrap: invalid arguments throw", "[bootstrap]") {
  const std::vector<double> data = {1, 2, 3};
  CHECK_THROWS_AS(tb::bootstrap_median_ci(data, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(tb::bootstrap_median_ci(data, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(tb::bootstrap_median_ci(data, 0.95, 0), std::invalid_argument);
  CHECK_THROWS_AS(tb::bootstrap_ratio_ci(data, data, std::nan("")), std::invalid_argument);
}

TEST_CASE("bootstrap ratio: identical samples give 1", "[bootstrap]") {
  const auto data = latencies(300, 5);
  const auto ci = tb::bootstrap_ratio_ci(data, data);
  CHECK(ci.estimate == 1.0);
  CHECK(ci.low < 1.0);
  CHECK(ci.high > 1.0);
  // Both sides vary the same way: the interval is symmetric around 1 in log space, roughly.
  CHECK_THAT(std::log(ci.high), WithinAbs(-std::log(ci.low), 0.3 * std::log(ci.high / ci.low)));
}

TEST_CASE("bootstrap ratio: a 1.5x slower candidate", "[bootstrap]") {
  const auto base = latencies(400, 6);
  auto slower = base;
  for (auto& x : slower) x *= 1.5;
  const auto ci = tb::bootstrap_ratio_ci(base, slower);
  CHECK_THAT(ci.estimate, WithinRel(1.5, 1e-12));
  CHECK(ci.low > 1.0);
  CHECK(ci.low < 1.5);
  CHECK(ci.high > 1.5);
  const auto inverse = tb::bootstrap_ratio_ci(slower, base);
  CHECK_THAT(inverse.estimate, WithinRel(1 / 1.5, 1e-12));
  CHECK(inverse.high < 1.0);
}

TEST_CASE("bootstrap ratio: independent of the unit", "[bootstrap]") {
  const auto base = latencies(300, 12);
  const auto candidate = latencies(350, 13, 1.05);
  auto base_us = base, candidate_us = candidate;
  for (auto& x : base_us) x *= 1000;
  for (auto& x : candidate_us) x *= 1000;
  const auto ms = tb::bootstrap_ratio_ci(base, candidate);
  const auto us = tb::bootstrap_ratio_ci(base_us, candidate_us);
  CHECK_THAT(us.estimate, WithinRel(ms.estimate, 1e-12));
  CHECK_THAT(us.low, WithinRel(ms.low, 1e-12));
  CHECK_THAT(us.high, WithinRel(ms.high, 1e-12));
}

TEST_CASE("bootstrap ratio: empty sides and a zero base", "[bootstrap]") {
  const std::vector<double> empty;
  const std::vector<double> data = {1, 2, 3};
  const std::vector<double> zeros = {0, 0, 0};
  for (const auto& ci : {tb::bootstrap_ratio_ci(empty, data), tb::bootstrap_ratio_ci(data, empty),
                         tb::bootstrap_ratio_ci(zeros, data)}) {
    CHECK(ci.estimate == 0.0);
    CHECK(ci.low == 0.0);
    CHECK(ci.high == 0.0);
  }
}

TEST_CASE("relative CI half-width", "[bootstrap]") {
  CHECK_THAT(tb::relative_ci_half_width({10, 9, 12}), WithinRel(0.15, 1e-12));
  CHECK(tb::relative_ci_half_width({0, 0, 0}) == std::numeric_limits<double>::infinity());
  CHECK(tb::relative_ci_half_width({5, 5, 5}) == 0.0);
}
