// The rung plan of `tune` (tune/plan.hpp): rung sizes, times growing by eta, the final rung,
// and sizing to the budget.
#include <cmath>

#include "catch.hpp"
#include "test_support.hpp"
#include "tune/plan.hpp"

using namespace tb::tune;

namespace {

PlanSettings settings(double budget, double startup = 1.0) {
  PlanSettings s;
  s.budget_seconds = budget;
  s.startup_seconds = startup;
  s.min_round_seconds = 0.02;
  s.eta = 3;
  s.workers = 4;
  s.final_processes = 3;
  return s;
}

// What a plan costs by the rule the planner uses: each job pays its processes' startups and
// its measured time, one job at a time.
double cost(const Plan& plan, const PlanSettings& s) {
  double total = 0;
  for (const auto& r : plan.rungs) {
    total += static_cast<double>(r.candidates + r.batches) *
             (static_cast<double>(r.processes) * s.startup_seconds + r.seconds_per_candidate);
  }
  return total;
}

}  // namespace

TEST_CASE("halving rung sizes: keep ceil(n/eta) until at most eta are left", "[tune]") {
  CHECK(halving_sizes(48, 3) == std::vector<std::size_t>{48, 16, 6, 2});
  CHECK(halving_sizes(27, 3) == std::vector<std::size_t>{27, 9, 3});
  CHECK(halving_sizes(4, 3) == std::vector<std::size_t>{4, 2});
  CHECK(halving_sizes(3, 3) == std::vector<std::size_t>{3});
  CHECK(halving_sizes(1, 3) == std::vector<std::size_t>{1});
  CHECK(halving_sizes(10, 2) == std::vector<std::size_t>{10, 5, 3, 2});
}

TEST_CASE("a halving plan fills the budget, each rung eta times as long as the one before", "[tune]") {
  const auto s = settings(600);
  const auto plan = plan_halving(48, s);
  REQUIRE(plan.fits);
  REQUIRE(plan.rungs.size() == 4);
  CHECK(plan.estimated_seconds == Approx(600).epsilon(1e-9));
  CHECK(cost(plan, s) == Approx(plan.estimated_seconds));
  for (std::size_t k = 1; k < plan.rungs.size(); ++k) {
    CHECK(plan.rungs[k].seconds_per_candidate == Approx(3 * plan.rungs[k - 1].seconds_per_candidate));
  }
  const auto& r0 = plan.rungs[0];
  CHECK(r0.candidates == 48);
  CHECK(r0.batches == 12);
  CHECK(r0.keep == 16);
  CHECK(r0.rounds == kRungRounds);
  CHECK(r0.processes == 1);
  CHECK_FALSE(r0.final);
  const auto& last = plan.rungs.back();
  CHECK(last.final);
  CHECK(last.candidates == 2);
  CHECK(last.batches == 1);
  CHECK(last.processes == 3);
  CHECK(last.rounds == 3 * kFinalRoundsPerProcess);
  CHECK(last.keep == 0);
  // The minimum: the final rung's rounds at the shortest round time decide rung 0's time.
  CHECK(plan.minimum_seconds < plan.estimated_seconds);
}

TEST_CASE("more budget, longer measurements; more startup cost, shorter ones", "[tune]") {
  const auto small = plan_halving(20, settings(300));
  const auto large = plan_halving(20, settings(900));
  CHECK(large.rungs[0].seconds_per_candidate > small.rungs[0].seconds_per_candidate);
  const auto slow_start = plan_halving(20, settings(300, 3.0));
  CHECK(slow_start.rungs[0].seconds_per_candidate < small.rungs[0].seconds_per_candidate);
}

TEST_CASE("a budget below the shortest plan does not fit and says what it needs", "[tune]") {
  const auto s = settings(30, 2.0);
  const auto plan = plan_halving(48, s);
  CHECK_FALSE(plan.fits);
  CHECK(plan.minimum_seconds > 30);
  // 60 jobs of rung 0 alone pay 2 s of startup each.
  CHECK(plan.minimum_seconds > 120);
  // Every rung still gets at least its rounds' shortest time.
  for (const auto& r : plan.rungs) CHECK(r.seconds_per_candidate >= r.rounds * s.min_round_seconds - 1e-12);
  const auto enough = plan_halving(48, settings(plan.minimum_seconds + 1, 2.0));
  CHECK(enough.fits);
}

TEST_CASE("at most eta candidates: only the final rung", "[tune]") {
  const auto plan = plan_halving(3, settings(60));
  REQUIRE(plan.rungs.size() == 1);
  CHECK(plan.rungs[0].final);
  CHECK(plan.rungs[0].candidates == 3);
  CHECK(plan.estimated_seconds == Approx(60));
  CHECK(plan_halving(0, settings(60)).rungs.empty());
}

TEST_CASE("the grid: every candidate as long as the finalists, then the best eta again", "[tune]") {
  const auto s = settings(600);
  const auto grid = plan_grid(48, s);
  REQUIRE(grid.fits);
  REQUIRE(grid.rungs.size() == 2);
  CHECK(grid.rungs[0].candidates == 48);
  CHECK(grid.rungs[0].keep == 3);
  CHECK_FALSE(grid.rungs[0].final);
  CHECK(grid.rungs[1].final);
  CHECK(grid.rungs[1].candidates == 3);
  CHECK(grid.rungs[0].seconds_per_candidate == Approx(grid.rungs[1].seconds_per_candidate));
  CHECK(grid.estimated_seconds == Approx(600));
  // The same budget buys halving's final rung far more time per candidate than the grid's.
  const auto halving = plan_halving(48, s);
  CHECK(halving.rungs.back().seconds_per_candidate > 3 * grid.rungs[1].seconds_per_candidate);
}

TEST_CASE("strategies by name", "[tune]") {
  CHECK(parse_strategy("halving") == Strategy::halving);
  CHECK(parse_strategy("grid") == Strategy::grid);
  CHECK(to_string(Strategy::grid) == "grid");
  CHECK_THAT(tbtest::usage_error_of([] { parse_strategy("gird"); }), tbtest::contains("did you mean 'grid'"));
}
