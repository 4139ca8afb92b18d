// tb::summarize and tb::quantile_sorted on data whose statistics are known (expected values
// computed with NumPy: np.percentile's default "linear" method is Hyndman & Fan type 7).
#include <cmath>
#include <numeric>
#include <vector>

#include "catch.hpp"
#include "util/statistics.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

std::vector<double> one_to(int n) {
  std::vector<double> values(static_cast<std::size_t>(n));
  std::iota(values.begin(), values.end(), 1.0);
  return values;
}

}  // namespace

TEST_CASE("summarize 1..10", "[statistics]") {
  const auto data = one_to(10);
  const auto s = tb::summarize(data);
  CHECK(s.count == 10);
  CHECK(s.min == 1.0);
  CHECK(s.max == 10.0);
  CHECK_THAT(s.median, WithinAbs(5.5, 1e-12));
  CHECK_THAT(s.mean, WithinAbs(5.5, 1e-12));
  CHECK_THAT(s.p90, WithinAbs(9.1, 1e-12));
  CHECK_THAT(s.p95, WithinAbs(9.55, 1e-12));
  CHECK_THAT(s.p99, WithinAbs(9.91, 1e-12));
  CHECK_THAT(s.stddev, WithinRel(3.0276503540974917, 1e-12));  // sample (n - 1) stddev
  CHECK_THAT(s.cv, WithinRel(0.5504818825631803, 1e-12));
}

TEST_CASE("summarize 1..100", "[statistics]") {
  const auto data = one_to(100);
  const auto s = tb::summarize(data);
  CHECK(s.count == 100);
  CHECK(s.min == 1.0);
  CHECK(s.max == 100.0);
  CHECK_THAT(s.median, WithinAbs(50.5, 1e-12));
  CHECK_THAT(s.mean, WithinAbs(50.5, 1e-12));
  CHECK_THAT(s.p90, WithinAbs(90.1, 1e-9));
  CHECK_THAT(s.p95, WithinAbs(95.05, 1e-9));
  CHECK_THAT(s.p99, WithinAbs(99.01, 1e-9));
  CHECK_THAT(s.stddev, WithinRel(29.011491975882016, 1e-12));
  CHECK_THAT(s.cv, WithinRel(0.574484989621426, 1e-12));
}

TEST_CASE("summarize sorts unsorted input itself", "[statistics]") {
  const std::vector<double> data = {3, 1, 4, 1, 5, 9, 2, 6};
  const auto s = tb::summarize(data);
  CHECK(s.count == 8);
  CHECK(s.min == 1.0);
  CHECK(s.max == 9.0);
  CHECK_THAT(s.median, WithinAbs(3.5, 1e-12));
  CHECK_THAT(s.mean, WithinAbs(3.875, 1e-12));
  CHECK_THAT(s.p90, WithinAbs(6.9, 1e-12));
  CHECK_THAT(s.p95, WithinAbs(7.95, 1e-12));
  CHECK_THAT(s.p99, WithinAbs(8.79, 1e-12));
  CHECK_THAT(s.stddev, WithinRel(2.748376143938713, 1e-12));
  CHECK_THAT(s.cv, WithinRel(0.7092583597261195, 1e-12));
  // The input itself is left as it was.
  CHECK(data == std::vector<double>{3, 1, 4, 1, 5, 9, 2, 6});
}

TEST_CASE("summarize a single sample", "[statistics]") {
  const std::vector<double> data = {4.25};
  const auto s = tb::summarize(data);
  CHECK(s.count == 1);
  CHECK(s.min == 4.25);
  CHECK(s.max == 4.25);
  CHECK(s.median == 4.25);
  CHECK(s.mean == 4.25);
  CHECK(s.p90 == 4.25);
  CHECK(s.p95 == 4.25);
  CHECK(s.p99 == 4.25);
  CHECK(s.stddev == 0.0);
  CHECK(s.cv == 0.0);
}

TEST_CASE("summarize an empty span gives all zeros", "[statistics]") {
  const std::vector<double> data;
  const auto s = tb::summarize(data);
  CHECK(s.count == 0);
  CHECK(s.min == 0.0);
  CHECK(s.max == 0.0);
  CHECK(s.median == 0.0);
  CHECK(s.mean == 0.0);
  CHECK(s.stddev == 0.0);
  CHECK(s.cv == 0.0);
  CHECK(s.p90 == 0.0);
  CHECK(s.p95 == 0.0);
  CHECK(s.p99 == 0.0);
}

TEST_CASE("summarize constant and zero samples", "[statistics]") {
  SECTION("constant samples have no spread") {
    const std::vector<double> data(7, 2.5);
    const auto s = tb::summarize(data);
    CHECK(s.median == 2.5);
    CHECK(s.p99 == 2.5);
    CHECK_THAT(s.stddev, WithinAbs(0.0, 1e-15));
    CHECK_THAT(s.cv, WithinAbs(0.0, 1e-15));
  }
  SECTION("cv is 0 when the mean is 0") {
    const std::vector<double> data = {-1.0, 1.0};
    const auto s = tb::summarize(data);
    CHECK(s.mean == 0.0);
    CHECK_THAT(s.stddev, WithinRel(std::sqrt(2.0), 1e-12));
    CHECK(s.cv == 0.0);
  }
}

TEST_CASE("quantile_sorted endpoints and interpolation", "[statistics]") {
  const std::vector<double> sorted = {10, 20, 30, 40, 50};
  CHECK(tb::quantile_sorted(sorted, 0.0) == 10.0);
  CHECK(tb::quantile_sorted(sorted, 1.0) == 50.0);
  CHECK(tb::quantile_sorted(sorted, 0.5) == 30.0);
  CHECK_THAT(tb::quantile_sorted(sorted, 0.25), WithinAbs(20.0, 1e-12));
  CHECK_THAT(tb::quantile_sorted(sorted, 0.1), WithinAbs(14.0, 1e-12));   // position 0.4
  CHECK_THAT(tb::quantile_sorted(sorted, 0.9), WithinAbs(46.0, 1e-12));   // position 3.6
  SECTION("q outside [0, 1] is clamped") {
    CHECK(tb::quantile_sorted(sorted, -0.5) == 10.0);
    CHECK(tb::quantile_sorted(sorted, 1.5) == 50.0);
  }
  SECTION("a single value is every quantile") {
    const std::vector<double> one = {7.0};
    CHECK(tb::quantile_sorted(one, 0.0) == 7.0);
    CHECK(tb::quantile_sorted(one, 0.5) == 7.0);
    CHECK(tb::quantile_sorted(one, 1.0) == 7.0);
  }
}
