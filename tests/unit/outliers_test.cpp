// tb::count_outliers: Tukey's fences on data whose quartiles are known.
#include <vector>

#include "catch.hpp"
#include "util/outliers.hpp"

TEST_CASE("Tukey fences: one outlier of each kind", "[outliers]") {
  // Type-7 quartiles of these 15 values: Q1 = 11.5, Q3 = 18.5, IQR = 7.
  // Fences: severe below −9.5 or above 39.5, mild below 1 or above 29.
  const std::vector<double> data = {-30, -5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 31, 45};
  const auto c = tb::count_outliers(data);
  CHECK(c.low_severe == 1);   // -30
  CHECK(c.low_mild == 1);     // -5
  CHECK(c.high_mild == 1);    // 31
  CHECK(c.high_severe == 1);  // 45
  CHECK(c.total() == 4);
}

TEST_CASE("Tukey fences: order does not matter, clean data has none", "[outliers]") {
  const std::vector<double> shuffled = {45, 13, -5, 20, 11, 31, 17, 10, 19, -30, 14, 12, 16, 18, 15};
  CHECK(tb::count_outliers(shuffled).total() == 4);
  const std::vector<double> clean = {5, 6, 7, 8, 9, 10, 11, 12};
  CHECK(tb::count_outliers(clean).total() == 0);
}

TEST_CASE("Tukey fences: a value on the fence is not an outlier", "[outliers]") {
  // 1..8 and one more value: n = 9, Q1 = 3, Q3 = 7, IQR = 4, mild fence 13, severe fence 19.
  const std::vector<double> on_fence = {1, 2, 3, 4, 5, 6, 7, 8, 13};
  CHECK(tb::count_outliers(on_fence).total() == 0);
  const std::vector<double> beyond = {1, 2, 3, 4, 5, 6, 7, 8, 13.5};
  const auto c = tb::count_outliers(beyond);
  CHECK(c.high_mild == 1);
  CHECK(c.total() == 1);
}

TEST_CASE("Tukey fences: constant data and tiny samples", "[outliers]") {
  const std::vector<double> constant(10, 4.0);
  CHECK(tb::count_outliers(constant).total() == 0);
  const std::vector<double> three = {1, 2, 100};
  CHECK(tb::count_outliers(three).total() == 0);  // fewer than four samples: not counted
}
