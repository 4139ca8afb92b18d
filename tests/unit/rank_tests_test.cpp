// tb::mann_whitney_u on hand-computed examples (U by counting pairs, midranks for ties, the
// tie-corrected variance n1·n2/12·((n+1) − Σ(t³−t)/(n(n−1))), continuity correction 0.5,
// p = erfc(|z|/√2) evaluated with Python's math.erfc) and on its properties.
#include <cmath>
#include <vector>

#include "catch.hpp"
#include "util/random.hpp"
#include "util/rank_tests.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("Mann-Whitney: fully separated small samples", "[rank_tests]") {
  const std::vector<double> a = {1, 2, 3};
  const std::vector<double> b = {4, 5, 6};
  const auto r = tb::mann_whitney_u(a, b);
  // U = 0, mean 4.5, variance 9·7/12 = 5.25, z = −(4.5 − 0.5)/√5.25.
  CHECK(r.u == 0.0);
  CHECK_THAT(r.z, WithinRel(-1.7457431218879391, 1e-12));
  CHECK_THAT(r.p_value, WithinRel(0.0808555983700523, 1e-9));
}

TEST_CASE("Mann-Whitney: ties get midranks and the variance is tie-corrected", "[rank_tests]") {
  // Pooled: 1a 2a 2a 2b 3a 3b 4b 4b -> ranks 1, 3, 3, 3, 5.5, 5.5, 7.5, 7.5; R_a = 12.5,
  // U_a = 12.5 − 10 = 2.5; ties 3,2,2 -> Σ(t³−t) = 36; variance 16/12·(9 − 36/56).
  const std::vector<double> a = {1, 2, 2, 3};
  const std::vector<double> b = {2, 3, 4, 4};
  const auto r = tb::mann_whitney_u(a, b);
  CHECK(r.u == 2.5);
  CHECK_THAT(r.z, WithinRel(-1.4978617237881953, 1e-12));
  CHECK_THAT(r.p_value, WithinRel(0.13416918012812581, 1e-9));
}

TEST_CASE("Mann-Whitney: unequal sizes", "[rank_tests]") {
  const std::vector<double> a = {19, 22, 16, 29, 24};
  const std::vector<double> b = {20, 11, 17, 12};
  const auto r = tb::mann_whitney_u(a, b);
  CHECK(r.u == 17.0);
  CHECK_THAT(r.z, WithinRel(1.5921683328090657, 1e-12));
  CHECK_THAT(r.p_value, WithinRel(0.11134688653314048, 1e-9));
}

TEST_CASE("Mann-Whitney: swapping the samples mirrors U and z, keeps p", "[rank_tests]") {
  tb::Xoshiro256 rng(7);
  std::vector<double> a(40), b(55);
  for (auto& x : a) x = std::round(10 * rng.open01()) / 2;  // coarse values: many ties
  for (auto& y : b) y = std::round(10 * rng.open01()) / 2 + 0.5;
  const auto ab = tb::mann_whitney_u(a, b);
  const auto ba = tb::mann_whitney_u(b, a);
  CHECK_THAT(ab.u + ba.u, WithinAbs(40.0 * 55.0, 1e-9));
  CHECK_THAT(ab.z, WithinAbs(-ba.z, 1e-12));
  CHECK_THAT(ab.p_value, WithinAbs(ba.p_value, 1e-12));
  CHECK(ab.z < 0);  // b was shifted up

  // U counts the pairs where a wins, plus half the ties.
  double pairs = 0;
  for (const double x : a) {
    for (const double y : b) pairs += x > y ? 1.0 : x == y ? 0.5 : 0.0;
  }
  CHECK(ab.u == pairs);
}

TEST_CASE("Mann-Whitney: identical samples give p = 1", "[rank_tests]") {
  const std::vector<double> a = {3.1, 2.7, 5.0, 4.4, 3.9, 2.2};
  const auto r = tb::mann_whitney_u(a, a);
  CHECK(r.u == 18.0);
  CHECK(r.z == 0.0);
  CHECK(r.p_value == 1.0);
}

TEST_CASE("Mann-Whitney: all values equal or an empty side give no evidence", "[rank_tests]") {
  const std::vector<double> same = {2, 2, 2, 2};
  const std::vector<double> empty;
  const auto r = tb::mann_whitney_u(same, same);
  CHECK(r.z == 0.0);
  CHECK(r.p_value == 1.0);
  CHECK(tb::mann_whitney_u(same, empty).p_value == 1.0);
  CHECK(tb::mann_whitney_u(empty, same).p_value == 1.0);
}

TEST_CASE("Mann-Whitney: large separated samples give a tiny p", "[rank_tests]") {
  std::vector<double> a(200), b(300);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 10 + 0.001 * static_cast<double>(i);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = 11 + 0.001 * static_cast<double>(i);
  const auto r = tb::mann_whitney_u(a, b);
  CHECK(r.u == 0.0);
  CHECK(r.z < -10);
  CHECK(r.p_value < 1e-20);
  CHECK(r.p_value >= 0.0);
}
