// The final comparison of `tune` (tune/finalists.hpp): the winner must be significantly
// better than the others by the paired statistics, or they are tied.
#include <cmath>

#include "catch.hpp"
#include "tune/finalists.hpp"

using namespace tb::tune;
using tb::report::RoundRecord;

namespace {

// 3 processes x 4 rounds of 9 samples around `median` (±1% spread), times a small
// deterministic per-round wobble so that the paired differences have some spread.
std::vector<RoundRecord> rounds(double median, double wobble_phase, double outlier = 0) {
  std::vector<RoundRecord> out;
  for (int r = 0; r < 12; ++r) {
    RoundRecord round;
    round.process = r / 4;
    const double wobble = 1 + 0.002 * std::sin(r * 1.7 + wobble_phase);
    for (int i = 0; i < 9; ++i) round.samples.push_back(median * wobble * (1 + 0.01 * (i - 4) / 4.0));
    if (outlier > 0) round.samples.back() = median * outlier;
    out.push_back(std::move(round));
  }
  return out;
}

const tb::compare::VerdictOptions kOptions{.alpha = 0.05, .threshold = 0.02};

}  // namespace

TEST_CASE("a clearly better finalist wins; the others are significantly worse", "[tune]") {
  const std::vector<Finalist> finalists = {
      {7, 0.66, rounds(6.6, 0.3)},
      {2, 0.60, rounds(6.0, 0.0)},
      {5, 0.75, rounds(7.5, 1.1)},
  };
  const auto d = decide_final(finalists, Objective::latency_p50, kOptions);
  REQUIRE(d.winner);
  CHECK(*d.winner == 2);
  CHECK(d.tied.empty());
  REQUIRE(d.comparisons.size() == 3);  // every pair, the better score as the base
  CHECK(d.comparisons[0].base == 2);
  CHECK(d.comparisons[0].candidate == 7);
  CHECK(d.comparisons[0].verdict.verdict == tb::compare::Verdict::slower);
  CHECK(d.comparisons[0].verdict.method == tb::compare::Method::paired);
  CHECK(d.comparisons[0].verdict.ratio.estimate == Approx(1.1).epsilon(0.01));
  CHECK(d.comparisons[2].base == 7);
  CHECK(d.comparisons[2].candidate == 5);
}

TEST_CASE("finalists the data cannot tell apart are tied with the winner", "[tune]") {
  const std::vector<Finalist> finalists = {
      {0, 0.601, rounds(6.01, 0.5)},
      {1, 0.600, rounds(6.0, 0.0)},
      {2, 0.70, rounds(7.0, 2.0)},
  };
  const auto d = decide_final(finalists, Objective::latency_p50, kOptions);
  REQUIRE(d.winner);
  CHECK(*d.winner == 1);
  CHECK(d.tied == std::vector<std::size_t>{0});
  CHECK(d.comparisons[0].verdict.verdict != tb::compare::Verdict::slower);
}

TEST_CASE("the paired test overrules a pooled score that disagrees with it", "[tune]") {
  // The caller's scores say 4 is better, but round by round 9 is 10% faster.
  const std::vector<Finalist> finalists = {{4, 0.50, rounds(6.6, 0.0)}, {9, 0.55, rounds(6.0, 0.4)}};
  const auto d = decide_final(finalists, Objective::latency_p50, kOptions);
  REQUIRE(d.winner);
  CHECK(*d.winner == 9);
  CHECK(d.tied.empty());
}

TEST_CASE("latency-p99 compares the rounds' tails, not their medians", "[tune]") {
  // Equal medians; the second has a slow call in every round.
  const std::vector<Finalist> finalists = {{0, 1.0, rounds(5.0, 0.0)}, {1, 1.3, rounds(5.0, 0.7, 1.6)}};
  const auto p99 = decide_final(finalists, Objective::latency_p99, kOptions);
  CHECK(*p99.winner == 0);
  CHECK(p99.tied.empty());
  CHECK_THAT(p99.comparisons[0].verdict.reason, tbtest::contains("p99 of 12 rounds paired in 3 processes"));
  const auto p50 = decide_final(finalists, Objective::latency_p50, kOptions);
  CHECK(p50.tied == std::vector<std::size_t>{1});
}

TEST_CASE("one finalist wins alone; none gives no winner", "[tune]") {
  const auto one = decide_final({{3, 0.8, rounds(4.0, 0.0)}}, Objective::throughput, kOptions);
  CHECK(one.winner == std::optional<std::size_t>(3));
  CHECK(one.comparisons.empty());
  CHECK_FALSE(decide_final({}, Objective::latency_p50, kOptions).winner);
}
