// tb::welch_t_test against SciPy 1.17 (scipy.stats.ttest_ind(a, b, equal_var=False) and its
// confidence_interval(c)), and on its edge cases.
#include <cmath>
#include <vector>

#include "catch.hpp"
#include "util/welch_test.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("Welch: matches SciPy on unequal sizes and variances", "[welch]") {
  const std::vector<double> a = {1.0, 2.0, 3.0, 4.0};
  const std::vector<double> b = {2.5, 4.1, 6.0, 8.2, 10.3};
  const auto w = tb::welch_t_test(a, b, 0.99);
  CHECK_THAT(w.t, WithinRel(-2.4194301042335553, 1e-12));
  CHECK_THAT(w.df, WithinRel(5.555687858035899, 1e-12));
  CHECK_THAT(w.p_value, WithinRel(0.05518327392191888, 1e-9));
  CHECK_THAT(w.low, WithinRel(-9.612413719605597, 1e-9));
  CHECK_THAT(w.high, WithinRel(2.172413719605597, 1e-9));
  CHECK_THAT(w.difference, WithinRel(2.5 - 6.22, 1e-12));
}

TEST_CASE("Welch: matches SciPy on log-ratios of a few processes", "[welch]") {
  const std::vector<double> a = {0.01, 0.03, -0.02};
  const std::vector<double> b = {0.0, -0.01, 0.02, 0.01};
  const auto w = tb::welch_t_test(a, b, 0.95);
  CHECK_THAT(w.t, WithinRel(0.10482848367219184, 1e-10));
  CHECK_THAT(w.df, WithinRel(2.7948025649679384, 1e-10));
  CHECK_THAT(w.p_value, WithinRel(0.9235766749633021, 1e-9));
  CHECK_THAT(w.low, WithinRel(-0.051098947996516084, 1e-9));
  CHECK_THAT(w.high, WithinRel(0.05443228132984941, 1e-9));
}

TEST_CASE("Welch: swapping the sides mirrors the result", "[welch]") {
  const std::vector<double> a = {5, 6, 7, 9};
  const std::vector<double> b = {1, 2, 2, 3, 4};
  const auto ab = tb::welch_t_test(a, b, 0.95);
  const auto ba = tb::welch_t_test(b, a, 0.95);
  CHECK_THAT(ab.t, WithinRel(-ba.t, 1e-12));
  CHECK_THAT(ab.p_value, WithinRel(ba.p_value, 1e-12));
  CHECK_THAT(ab.low, WithinRel(-ba.high, 1e-12));
  CHECK(ab.p_value < 0.01);
  CHECK(ab.low > 0);
}

TEST_CASE("Welch: a wider confidence gives a wider interval", "[welch]") {
  const std::vector<double> a = {1.0, 1.2, 0.9, 1.1};
  const std::vector<double> b = {1.3, 1.4, 1.2, 1.5};
  const auto narrow = tb::welch_t_test(a, b, 0.9);
  const auto wide = tb::welch_t_test(a, b, 0.99);
  CHECK(wide.low < narrow.low);
  CHECK(wide.high > narrow.high);
  CHECK(narrow.p_value == wide.p_value);
}

TEST_CASE("Welch: too few values or no spread give no evidence", "[welch]") {
  const std::vector<double> one = {1.0};
  const std::vector<double> two = {1.0, 2.0};
  const std::vector<double> flat = {3.0, 3.0, 3.0};
  for (const auto& w : {tb::welch_t_test(one, two, 0.95), tb::welch_t_test(two, one, 0.95),
                        tb::welch_t_test(flat, flat, 0.95), tb::welch_t_test({}, two, 0.95)}) {
    CHECK(w.p_value == 1.0);
    CHECK(std::isinf(w.low));
    CHECK(std::isinf(w.high));
    CHECK(w.low < 0);
  }
  CHECK(tb::welch_t_test(one, two, 0.95).difference == -0.5);
  CHECK_THROWS_AS(tb::welch_t_test(two, two, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(tb::welch_t_test(two, two, 0.0), std::invalid_argument);
}

TEST_CASE("Welch: one side flat, the other spread, still tests", "[welch]") {
  const std::vector<double> flat = {2.0, 2.0, 2.0};
  const std::vector<double> spread = {2.5, 3.0, 3.5};
  const auto w = tb::welch_t_test(spread, flat, 0.95);
  CHECK_THAT(w.df, WithinAbs(2.0, 1e-12));  // all the variance is on one side: n - 1
  CHECK(w.difference == 1.0);
  // t = 1 / (0.5 / sqrt 3) = sqrt 12; with 2 df the two-sided p is 1 - t / sqrt(t^2 + 2).
  CHECK_THAT(w.t, WithinRel(std::sqrt(12.0), 1e-12));
  CHECK_THAT(w.p_value, WithinRel(1 - std::sqrt(12.0) / std::sqrt(14.0), 1e-9));
}
