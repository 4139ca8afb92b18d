// tb::welch_t_test and tb::paired_t_test against SciPy 1.17 (ttest_ind(a, b, equal_var=False),
// ttest_1samp(d, 0) and their confidence_interval(c)), and on their edge cases.
#include <cmath>
#include <vector>
#include <stdexcept>

#include "catch.hpp"
#include "util/t_tests.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("Welch: matches SciPy on unequal sizes and variances", "[ttest]") {
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

TEST_CASE("Welch: matches SciPy on log-ratios of a few processes", "[ttest]") {
  const std::vector<double> a = {0.01, 0.03, -0.02};
  const std::vector<double> b = {0.0, -0.01, 0.02, 0.01};
  const auto w = tb::welch_t_test(a, b, 0.95);
  CHECK_THAT(w.t, WithinRel(0.10482848367219184, 1e-10));
  CHECK_THAT(w.df, WithinRel(2.7948025649679384, 1e-10));
  CHECK_THAT(w.p_value, WithinRel(0.9235766749633021, 1e-9));
  CHECK_THAT(w.low, WithinRel(-0.051098947996516084, 1e-9));
  CHECK_THAT(w.high, WithinRel(0.05443228132984941, 1e-9));
}

TEST_CASE("Welch: swapping the sides mirrors the result", "[ttest]") {
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

TEST_CASE("Welch: a wider confidence gives a wider interval", "[ttest]") {
  const std::vector<double> a = {1.0, 1.2, 0.9, 1.1};
  const std::vector<double> b = {1.3, 1.4, 1.2, 1.5};
  const auto narrow = tb::welch_t_test(a, b, 0.9);
  const auto wide = tb::welch_t_test(a, b, 0.99);
  CHECK(wide.low < narrow.low);
  CHECK(wide.high > narrow.high);
  CHECK(narrow.p_value == wide.p_value);
}

TEST_CASE("Welch: too few values or no spread give no evidence", "[ttest]") {
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

TEST_CASE("Welch: one side flat, the other spread, still tests", "[ttest]") {
  const std::vector<double> flat = {2.0, 2.0, 2.0};
  const std::vector<double> spread = {2.5, 3.0, 3.5};
  const auto w = tb::welch_t_test(spread, flat, 0.95);
  CHECK_THAT(w.df, WithinAbs(2.0, 1e-12));  // all the variance is on one side: n - 1
  CHECK(w.difference == 1.0);
  // t = 1 / (0.5 / sqrt 3) = sqrt 12; with 2 df the two-sided p is 1 - t / sqrt(t^2 + 2).
  CHECK_THAT(w.t, WithinRel(std::sqrt(12.0), 1e-12));
  CHECK_THAT(w.p_value, WithinRel(1 - std::sqrt(12.0) / std::sqrt(14.0), 1e-9));
}

TEST_CASE("Paired: matches SciPy's ttest_1samp on process log-ratios", "[ttest]") {
  const std::vector<double> d = {0.021, 0.034, 0.018, 0.05, 0.027};
  const auto w = tb::paired_t_test(d, 0.99);
  CHECK_THAT(w.t, WithinRel(5.262348115842176, 1e-10));
  CHECK(w.df == 4);
  CHECK_THAT(w.p_value, WithinRel(0.006244519363374807, 1e-8));
  CHECK_THAT(w.low, WithinRel(0.0037526208643088137, 1e-8));
  CHECK_THAT(w.high, WithinRel(0.056247379135691195, 1e-8));
  CHECK_THAT(w.difference, WithinRel(0.03, 1e-12));

  const std::vector<double> small = {-0.004, 0.003, 0.001, -0.002};
  const auto s = tb::paired_t_test(small, 0.95);
  CHECK_THAT(s.t, WithinRel(-0.32163376045133846, 1e-10));
  CHECK_THAT(s.p_value, WithinRel(0.768837310314464, 1e-8));
  CHECK_THAT(s.low, WithinRel(-0.005447313834247191, 1e-8));
  CHECK_THAT(s.high, WithinRel(0.004447313834247192, 1e-8));
}

TEST_CASE("Paired: a shift shared by both sides cancels, where Welch sees only noise", "[ttest]") {
  // Two processes a side ran in a fast machine state, three in a slow one (10% apart); the
  // candidate is 3% slower in each. Welch on the two sets cannot tell; the pairs can.
  const std::vector<double> base = {0.0, 0.0, 0.0953, 0.0953, 0.0953};
  std::vector<double> candidate, d;
  for (const double b : base) {
    candidate.push_back(b + 0.03 + 0.001 * static_cast<double>(d.size() % 2));
    d.push_back(candidate.back() - b);
  }
  const auto welch = tb::welch_t_test(candidate, base, 0.99);
  const auto paired = tb::paired_t_test(d, 0.99);
  CHECK(welch.p_value > 0.1);
  CHECK(welch.low < 0);
  CHECK(paired.p_value < 1e-6);
  CHECK(paired.low > 0.028);
  CHECK(paired.high < 0.033);
}

TEST_CASE("Paired: too few values or no spread give no evidence", "[ttest]") {
  const std::vector<double> one = {0.02};
  const std::vector<double> flat = {0.01, 0.01, 0.01};
  for (const auto& d : {one, flat, std::vector<double>{}}) {
    const auto w = tb::paired_t_test(d, 0.95);
    CHECK(w.p_value == 1);
    CHECK(std::isinf(w.low));
    CHECK(std::isinf(w.high));
    CHECK(w.low < 0);
  }
  CHECK(tb::paired_t_test(one, 0.95).difference == 0.02);
  CHECK_THROWS_AS(tb::paired_t_test(one, 1.0), std::invalid_argument);
}
