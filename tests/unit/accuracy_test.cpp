// tb::compare_values: agreement statistics between a variant's outputs and the baseline's.
#include <cmath>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "util/accuracy.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("identical values agree exactly", "[accuracy]") {
  const std::vector<double> values = {1.5, -2.0, 0.0, 1e6, -3e-4};
  const auto stats = tb::compare_values(values, values);
  CHECK(stats.count == 5);
  CHECK(stats.max_abs_err == 0.0);
  CHECK(stats.max_rel_err == 0.0);
  CHECK_THAT(stats.cosine, WithinAbs(1.0, 1e-12));
  CHECK_FALSE(stats.non_finite);
}

TEST_CASE("known differences", "[accuracy]") {
  // max|r| = 2.5, so the relative floor is 2.5e-3: the last element's error 0.001 is divided
  // by 2.5e-3 (not by its own |r| = 0.001, which would give 1.0).
  const std::vector<double> actual = {1.1, 2.0, 3.0, 0.0};
  const std::vector<double> reference = {1.0, 2.0, 2.5, 0.001};
  const auto stats = tb::compare_values(actual, reference);
  CHECK(stats.count == 4);
  CHECK_THAT(stats.max_abs_err, WithinAbs(0.5, 1e-12));
  CHECK_THAT(stats.max_rel_err, WithinRel(0.4, 1e-9));
  const double dot = 1.1 * 1.0 + 2.0 * 2.0 + 3.0 * 2.5;
  const double na = std::sqrt(1.1 * 1.1 + 4.0 + 9.0);
  const double nr = std::sqrt(1.0 + 4.0 + 6.25 + 1e-6);
  CHECK_THAT(stats.cosine, WithinRel(dot / (na * nr), 1e-12));
  CHECK_FALSE(stats.non_finite);
}

TEST_CASE("relative error uses |r| when it is above the floor", "[accuracy]") {
  const std::vector<double> actual = {10.0, 101.0};
  const std::vector<double> reference = {8.0, 100.0};
  const auto stats = tb::compare_values(actual, reference);
  CHECK_THAT(stats.max_abs_err, WithinAbs(2.0, 1e-12));
  CHECK_THAT(stats.max_rel_err, WithinRel(0.25, 1e-12));  // 2 / 8, larger than 1 / 100
}

TEST_CASE("cosine of special directions", "[accuracy]") {
  SECTION("opposite vectors") {
    const std::vector<double> a = {1.0, -2.0, 3.0};
    const std::vector<double> r = {-1.0, 2.0, -3.0};
    const auto stats = tb::compare_values(a, r);
    CHECK_THAT(stats.cosine, WithinAbs(-1.0, 1e-12));
    CHECK_THAT(stats.max_abs_err, WithinAbs(6.0, 1e-12));
    CHECK_THAT(stats.max_rel_err, WithinAbs(2.0, 1e-12));
  }
  SECTION("scaled vector: cosine 1 but errors") {
    const std::vector<double> a = {2.0, 4.0};
    const std::vector<double> r = {1.0, 2.0};
    const auto stats = tb::compare_values(a, r);
    CHECK_THAT(stats.cosine, WithinAbs(1.0, 1e-12));
    CHECK_THAT(stats.max_abs_err, WithinAbs(2.0, 1e-12));
    CHECK_THAT(stats.max_rel_err, WithinAbs(1.0, 1e-12));
  }
  SECTION("orthogonal vectors") {
    const std::vector<double> a = {1.0, 0.0};
    const std::vector<double> r = {0.0, 1.0};
    CHECK_THAT(tb::compare_values(a, r).cosine, WithinAbs(0.0, 1e-12));
  }
}

TEST_CASE("zero vectors", "[accuracy]") {
  const std::vector<double> zeros = {0.0, 0.0, 0.0};
  const std::vector<double> ones = {1.0, 1.0, 1.0};
  SECTION("both all-zero: perfect agreement") {
    const auto stats = tb::compare_values(zeros, zeros);
    CHECK(stats.cosine == 1.0);
    CHECK(stats.max_abs_err == 0.0);
    CHECK(stats.max_rel_err == 0.0);
    CHECK_FALSE(stats.non_finite);
  }
  SECTION("only the actual side is zero") {
    const auto stats = tb::compare_values(zeros, ones);
    CHECK(stats.cosine == 0.0);
    CHECK_THAT(stats.max_abs_err, WithinAbs(1.0, 1e-12));
    CHECK_THAT(stats.max_rel_err, WithinAbs(1.0, 1e-12));
  }
  SECTION("only the reference is zero") {
    const auto stats = tb::compare_values(ones, zeros);
    CHECK(stats.cosine == 0.0);
    CHECK_THAT(stats.max_abs_err, WithinAbs(1.0, 1e-12));
    CHECK(stats.max_rel_err > 1e20);  // divided by the 1e-30 minimum floor
    CHECK(std::isfinite(stats.max_rel_err));
  }
}

TEST_CASE("empty inputs compare as equal", "[accuracy]") {
  const std::vector<double> none;
  const auto stats = tb::compare_values(none, none);
  CHECK(stats.count == 0);
  CHECK(stats.max_abs_err == 0.0);
  CHECK(stats.cosine == 1.0);
  CHECK_FALSE(stats.non_finite);
}

TEST_CASE("non-finite values", "[accuracy]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  SECTION("NaN in the actual values") {
    const std::vector<double> a = {1.0, nan, 3.0};
    const std::vector<double> r = {1.0, 2.0, 3.0};
    const auto stats = tb::compare_values(a, r);
    CHECK(stats.non_finite);
    CHECK(stats.count == 3);
    CHECK(std::isinf(stats.max_abs_err));
    CHECK(std::isinf(stats.max_rel_err));
    CHECK(std::isnan(stats.cosine));
  }
  SECTION("infinity in the reference") {
    const std::vector<double> a = {1.0, 2.0};
    const std::vector<double> r = {inf, 2.0};
    const auto stats = tb::compare_values(a, r);
    CHECK(stats.non_finite);
    CHECK(std::isinf(stats.max_abs_err));
    CHECK(std::isnan(stats.cosine));
  }
}
