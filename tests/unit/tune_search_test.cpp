// The search loop of `tune` (tune/search.hpp) against a fake machine: every candidate has a
// true latency, a batch costs its workers' startups plus their measured time on a fake clock.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "catch.hpp"
#include "test_support.hpp"
#include "tune/search.hpp"
#include "tune_fakes.hpp"

using namespace tb::tune;
using tbtest::FakeMachine;
using tbtest::candidates;
using tbtest::machine27;

namespace {

SearchSettings settings(Strategy strategy = Strategy::halving, double budget = 300) {
  SearchSettings s;
  s.strategy = strategy;
  s.budget_seconds = budget;
  return s;
}

std::size_t count_fate(const TuneResult& r, Fate fate) {
  return static_cast<std::size_t>(std::count_if(r.candidates.begin(), r.candidates.end(),
                                                [&](const CandidateRecord& c) { return c.fate == fate; }));
}

}  // namespace

TEST_CASE("successive halving finds the fastest candidate within the budget", "[tune]") {
  auto m = machine27();
  const auto result = search(candidates(27), settings(), m.hooks());
  REQUIRE(result.winner);
  CHECK(*result.winner == 13);
  CHECK(result.confirmed);
  CHECK(result.stopped.empty());
  CHECK(result.tied.empty());  // 5.0 vs 5.4 ms: 8%, well past the 2% threshold
  CHECK(result.elapsed_seconds <= 300 * 1.05);
  CHECK(result.startup_seconds == Approx(1.0).epsilon(0.05));
  // Rungs of 27, 9, 3 (final); batches of at most 4 candidates beside the baseline.
  REQUIRE(result.rungs.size() == 3);
  CHECK(result.rungs[0].candidates.size() == 27);
  CHECK(result.rungs[1].candidates.size() == 9);
  CHECK(result.rungs[2].candidates.size() == 3);
  CHECK(result.rungs[2].plan.final);
  CHECK(result.rungs[2].schedule.processes == 3);
  CHECK(result.rungs[2].schedule.rounds == 12);
  CHECK(result.rungs[1].timing.min_seconds == Approx(3 * result.rungs[0].timing.min_seconds).epsilon(0.3));
  REQUIRE(m.requests.size() == 1 + 7 + 3 + 1);
  CHECK(m.requests[0].candidates.empty());  // the calibration: the baseline alone
  for (std::size_t i = 1; i + 1 < m.requests.size(); ++i) CHECK(m.requests[i].candidates.size() <= 4);
  std::set<std::int64_t> groups;
  for (const auto& r : m.requests) groups.insert(r.group);
  CHECK(groups.size() == m.requests.size());  // every batch its own group of rounds
  CHECK(count_fate(result, Fate::eliminated) == 24);
  CHECK(count_fate(result, Fate::finalist) == 2);
  const auto& winner = result.candidates[13];
  CHECK(winner.fate == Fate::winner);
  CHECK(winner.evaluation.score == Approx(0.5).epsilon(0.02));
  CHECK(winner.outcome->round_group == m.requests.back().group);
  CHECK(winner.pareto);
  const auto& out = result.candidates[26];
  CHECK(out.fate == Fate::eliminated);
  CHECK(out.rung == 0);
  CHECK_THAT(out.reason, tbtest::contains("eliminated at rung 0: rank 27 of 27"));
  REQUIRE(result.winner_rung());
  CHECK(result.winner_rung()->plan.final);
}

TEST_CASE("the grid measures every candidate as long as its finalists and agrees", "[tune]") {
  auto m = machine27();
  const auto result = search(candidates(27), settings(Strategy::grid), m.hooks());
  REQUIRE(result.winner);
  CHECK(*result.winner == 13);
  REQUIRE(result.rungs.size() == 2);
  CHECK(result.rungs[0].candidates.size() == 27);
  CHECK(result.rungs[0].timing.min_seconds == Approx(result.rungs[1].timing.min_seconds).epsilon(0.3));
  CHECK(result.rungs[1].candidates.size() == 3);
  // With the same budget, halving's finalists get far more time than the grid's.
  auto h = machine27();
  const auto halving = search(candidates(27), settings(), h.hooks());
  CHECK(halving.rungs.back().timing.min_seconds > 2 * result.rungs.back().timing.min_seconds);
}

TEST_CASE("a budget too small for the shortest plan is a usage error after the calibration", "[tune]") {
  auto m = machine27();
  const auto message = tbtest::usage_error_of([&] { search(candidates(27), settings(Strategy::halving, 20), m.hooks()); });
  CHECK_THAT(message, tbtest::contains("--budget 20.0s is too small for 27 candidates (halving, eta 3)"));
  CHECK_THAT(message, tbtest::contains("a worker takes 1.0s to start"));
  CHECK(m.requests.size() == 1);
}

TEST_CASE("when the time runs out the best so far is reported, unconfirmed", "[tune]") {
  auto m = machine27();
  m.slowdown = {{0, 12.0}, {1, 12.0}, {2, 12.0}};  // every batch takes 12 times what was planned
  const auto result = search(candidates(27), settings(), m.hooks());
  CHECK(result.stopped == "budget");
  CHECK_FALSE(result.confirmed);
  REQUIRE(result.winner);
  CHECK(result.candidates[*result.winner].fate == Fate::winner);
  CHECK(count_fate(result, Fate::unmeasured) > 0);
  CHECK(result.comparisons.empty());
}

TEST_CASE("too little left for the middle rungs: the best go straight to the final", "[tune]") {
  auto m = machine27();
  // Rung 0 (planned at about 102 s of the 300) takes twice as long. The search sees what a
  // worker costs rise to about 3.9 s (the slowdown looks like startup cost), so the plan's
  // share of the 95 s left (86 s) holds the final rung of 3 (about 48 s at least) but not
  // rungs of 9 and 3 (about 96 s).
  m.slowdown = {{0, 2.0}};
  const auto result = search(candidates(27), settings(), m.hooks());
  REQUIRE(result.winner);
  CHECK(*result.winner == 13);
  REQUIRE(result.rungs.size() == 2);
  const auto& last = result.rungs.back();
  CHECK(last.plan.final);
  CHECK(last.candidates.size() == 3);
  CHECK_THAT(last.note, tbtest::contains("went straight to the final comparison"));
  CHECK(result.confirmed);
}

TEST_CASE("failed and infeasible candidates are kept with their reasons", "[tune]") {
  auto m = machine27();
  m.cosine[13] = 0.95;  // the fastest breaks the accuracy constraint
  m.failing = {3, 4};
  auto s = settings();
  s.constraints.accuracy.push_back(tb::parse_gate_rule(tb::GateMetric::min_cosine, "0.99"));
  const auto result = search(candidates(27), s, m.hooks());
  REQUIRE(result.winner);
  CHECK(*result.winner == 20);
  CHECK(result.candidates[13].fate == Fate::infeasible);
  CHECK_THAT(result.candidates[13].reason, tbtest::contains("constraint: cosine 0.950000 < 0.99"));
  CHECK(result.candidates[13].rung == 0);
  CHECK(result.candidates[3].fate == Fate::failed);
  CHECK(result.candidates[3].reason == "worker killed by signal 11 (SIGSEGV)");
  CHECK_FALSE(result.candidates[13].pareto);  // the front holds feasible candidates only
}

TEST_CASE("two finalists the statistics cannot separate are tied", "[tune]") {
  auto m = machine27();
  m.truth[20] = 5.0;  // as fast as 13
  const auto result = search(candidates(27), settings(), m.hooks());
  REQUIRE(result.winner);
  CHECK((*result.winner == 13 || *result.winner == 20));
  REQUIRE(result.tied.size() == 1);
  CHECK((result.tied[0] == 13 || result.tied[0] == 20));
  CHECK(result.tied[0] != *result.winner);
  CHECK(result.candidates[result.tied[0]].fate == Fate::tied);
  CHECK_THAT(result.candidates[result.tied[0]].reason, tbtest::contains("tied with the winner"));
}

TEST_CASE("no feasible candidate: no winner", "[tune]") {
  auto m = machine27();
  auto s = settings();
  s.constraints.latency_budget_ms = 1.0;
  const auto result = search(candidates(27), s, m.hooks());
  CHECK_FALSE(result.winner);
  CHECK(count_fate(result, Fate::infeasible) == 27);
  CHECK(result.rungs.size() == 1);
}

TEST_CASE("an interrupt stops before the next batch", "[tune]") {
  auto m = machine27();
  const auto result = search(candidates(27), settings(), m.hooks([&m] { return m.requests.size() >= 3; }));
  CHECK(result.stopped == "interrupted");
  CHECK(m.requests.size() == 3);  // the calibration and two batches
  CHECK(count_fate(result, Fate::unmeasured) == 27 - 8);
  REQUIRE(result.winner);
  CHECK_FALSE(result.confirmed);
}

TEST_CASE("at most eta candidates: only the final comparison", "[tune]") {
  FakeMachine m;
  m.truth = {8.0, 6.0};
  const auto result = search(candidates(2), settings(Strategy::halving, 60), m.hooks());
  REQUIRE(result.rungs.size() == 1);
  CHECK(result.rungs[0].plan.final);
  CHECK(*result.winner == 1);
  CHECK(result.confirmed);
  REQUIRE(result.comparisons.size() == 1);
  CHECK(result.comparisons[0].verdict.verdict == tb::compare::Verdict::slower);
}

TEST_CASE("rung timing: the measured time, a sample per round at least", "[tune]") {
  tb::TimingOptions base;
  base.warmup_iters = 2;
  const auto t = rung_timing(base, 1.5, 4);
  CHECK(t.warmup_iters == 2);
  CHECK(t.min_seconds == 1.5);
  CHECK(t.max_seconds == 1.5 + kWarmupAllowance);  // the maximum bounds the warm-up too
  CHECK(t.min_iters == 4);
  CHECK(t.max_iters >= t.min_iters);
  CHECK_NOTHROW(tb::validate(t));
}
