// Objective, constraints, survivors and the Pareto front of `tune` (tune/objective.hpp).
#include "catch.hpp"
#include "test_support.hpp"
#include "tune/objective.hpp"
#include "tune_fakes.hpp"

using namespace tb::tune;
using tbtest::fake_outcome;

TEST_CASE("objectives by name, and their costs", "[tune]") {
  CHECK(parse_objective("latency-p99") == Objective::latency_p99);
  CHECK(to_string(Objective::throughput) == "throughput");
  CHECK_THAT(tbtest::usage_error_of([] { parse_objective("latency-p95"); }),
             tbtest::contains("latency-p50, latency-p99 or throughput"));
  auto o = fake_outcome("a", 10.0, 1, 101, 1, 0.5);  // 5.0 .. 15.0 evenly
  auto& r = *o.result;
  CHECK(*objective_cost(Objective::latency_p50, r) == Approx(10.0));
  CHECK(*objective_cost(Objective::latency_p99, r) == Approx(14.9));
  r.batch = 8;
  // Throughput: ms per item, 8 items per call of 10 ms on average.
  CHECK(*objective_cost(Objective::throughput, r) == Approx(10.0 / 8));
  CHECK(objective_value(Objective::throughput, 10.0 / 8) == Approx(800));
  CHECK(objective_value(Objective::latency_p50, 3.5) == 3.5);
  r.samples_ms.clear();
  CHECK_FALSE(objective_cost(Objective::latency_p50, r));
}

TEST_CASE("evaluate: the score is against the baseline of the same batch", "[tune]") {
  const auto base = fake_outcome("baseline", 10.0);
  const auto fast = fake_outcome("fast", 5.0);
  const auto e = evaluate(fast, base, Objective::latency_p50, {}, BudgetCheck::median);
  CHECK(e.feasible);
  CHECK(e.fate == "ok");
  CHECK(e.cost == Approx(5.0));
  CHECK(e.baseline_cost == Approx(10.0));
  CHECK(e.score == Approx(0.5));
  CHECK(e.latency_vs_baseline == Approx(0.5));
  CHECK(e.throughput_vs_baseline == Approx(2.0).epsilon(1e-3));
}

TEST_CASE("evaluate: failed and skipped candidates keep their reason", "[tune]") {
  const auto base = fake_outcome("baseline", 10.0);
  const auto crashed = tbtest::failed_outcome("c", "failed", "worker killed by signal 11 (SIGSEGV)");
  auto e = evaluate(crashed, base, Objective::latency_p50, {}, BudgetCheck::median);
  CHECK_FALSE(e.feasible);
  CHECK(e.fate == "failed");
  CHECK(e.reason == "worker killed by signal 11 (SIGSEGV)");
  const auto unsupported = tbtest::failed_outcome("s", "skipped", "unsupported: int8-dynamic: no quantized engine");
  e = evaluate(unsupported, base, Objective::latency_p50, {}, BudgetCheck::median);
  CHECK(e.fate == "skipped");
  CHECK_THAT(e.reason, tbtest::contains("no quantized engine"));
}

TEST_CASE("evaluate: constraints on accuracy, memory and latency", "[tune]") {
  const auto base = fake_outcome("baseline", 10.0);
  auto candidate = fake_outcome("int8", 5.0, 4, 101, 1, 0.5);  // 2.5 .. 7.5 ms a round
  candidate.result->accuracy = tb::AccuracyStats{10, 0.02, 0.05, 0.995, false};
  Constraints c;
  SECTION("a cosine below the limit") {
    c.accuracy.push_back(tb::parse_gate_rule(tb::GateMetric::min_cosine, "0.999"));
    const auto e = evaluate(candidate, base, Objective::latency_p50, c, BudgetCheck::median);
    CHECK_FALSE(e.feasible);
    CHECK(e.fate == "infeasible");
    CHECK_THAT(e.reason, tbtest::contains("constraint: cosine 0.995000 < 0.999"));
    CHECK(e.score == Approx(0.5));  // still scored, for the report
  }
  SECTION("missing accuracy is a violation, not a pass") {
    c.accuracy.push_back(tb::parse_gate_rule(tb::GateMetric::max_abs_err, "0.1"));
    candidate.result->accuracy.reset();
    candidate.result->accuracy_note = "no accuracy: the baseline failed";
    const auto e = evaluate(candidate, base, Objective::latency_p50, c, BudgetCheck::median);
    CHECK_THAT(e.reason, tbtest::contains("not checked: no accuracy: the baseline failed"));
  }
  SECTION("peak memory: the larger of the worker's own and what wait4 saw") {
    c.memory_budget_bytes = 150 << 20;
    auto e = evaluate(candidate, base, Objective::latency_p50, c, BudgetCheck::median);
    CHECK(e.feasible);
    candidate.worker_max_rss_bytes = 200 << 20;
    e = evaluate(candidate, base, Objective::latency_p50, c, BudgetCheck::median);
    CHECK_THAT(e.reason, tbtest::contains("peak RSS 200 MiB > --memory-budget 150 MiB"));
  }
  SECTION("latency: the median before the final rung, the p99 in it") {
    c.latency_budget_ms = 7.0;
    auto e = evaluate(candidate, base, Objective::latency_p50, c, BudgetCheck::median);
    CHECK(e.feasible);  // median 5 ms
    e = evaluate(candidate, base, Objective::latency_p50, c, BudgetCheck::p99);
    CHECK_FALSE(e.feasible);  // p99 7.45 ms
    CHECK_THAT(e.reason, tbtest::contains("p99 7.45 ms > --latency-budget 7 ms"));
    c.latency_budget_ms = 4.0;
    e = evaluate(candidate, base, Objective::latency_p50, c, BudgetCheck::median);
    CHECK_THAT(e.reason, tbtest::contains("median 5 ms > --latency-budget 4 ms"));
  }
  SECTION("several violations in one line") {
    c.accuracy.push_back(tb::parse_gate_rule(tb::GateMetric::max_abs_err, "1e-3"));
    c.accuracy.push_back(tb::parse_gate_rule(tb::GateMetric::min_cosine, "0.999"));
    const auto e = evaluate(candidate, base, Objective::latency_p50, c, BudgetCheck::median);
    CHECK_THAT(e.reason, tbtest::contains("max abs err 0.02 > 0.001; cosine"));
  }
}

TEST_CASE("survivors: the best scores, ties at the cut kept", "[tune]") {
  CHECK(select_survivors({0.9, 0.5, 0.7, 1.2}, 2) == std::vector<std::size_t>{1, 2});
  CHECK(select_survivors({0.9, 0.5, 0.7, 0.7, 1.2}, 2) == std::vector<std::size_t>{1, 2, 3});
  CHECK(select_survivors({0.6, 0.6, 0.6}, 1) == std::vector<std::size_t>{0, 1, 2});
  CHECK(select_survivors({0.9, 0.5}, 5) == std::vector<std::size_t>{1, 0});
  CHECK(select_survivors({0.9, 0.5}, 0).empty());
  CHECK(select_survivors({}, 3).empty());
  // A tie above the cut does not pull in more.
  CHECK(select_survivors({0.5, 0.5, 0.8, 0.9}, 3) == std::vector<std::size_t>{0, 1, 2});
}

TEST_CASE("the Pareto front on latency, throughput and cosine", "[tune]") {
  const std::vector<ParetoPoint> points = {
      {1.0, 1.0, 1.0},    // 0: the baseline's place: dominated by 1
      {0.5, 2.0, 1.0},    // 1: fast and exact
      {0.3, 3.3, 0.98},   // 2: faster, less exact: on the front
      {0.6, 1.7, 0.99},   // 3: dominated by 1
      {0.7, 4.0, 1.0},    // 4: best throughput (a bigger batch): on the front
      {0.5, 2.0, 1.0},    // 5: equal to 1: neither dominates
  };
  CHECK(pareto_front(points) == std::vector<std::size_t>{1, 2, 4, 5});
  // No accuracy (the baseline itself, or not comparable) counts as exact.
  CHECK(pareto_front({{0.3, 3.3, 0.98}, {0.3, 3.3, std::nullopt}}) == std::vector<std::size_t>{1});
  CHECK(pareto_front({}).empty());
  CHECK(pareto_front({{2.0, 0.5, 0.9}}) == std::vector<std::size_t>{0});
}

TEST_CASE("rounds of a result, per call or per item", "[tune]") {
  auto o = fake_outcome("a", 4.0, 4, 3, 2, 0.0);
  auto& r = *o.result;
  r.batch = 2;
  const auto calls = rounds_of(r, false);
  REQUIRE(calls.size() == 4);
  CHECK(calls[0].process == 0);
  CHECK(calls[3].process == 1);
  CHECK(calls[2].samples == std::vector<double>{4.0, 4.0, 4.0});
  const auto items = rounds_of(r, true);
  CHECK(items[2].samples == std::vector<double>{2.0, 2.0, 2.0});
  r.round_sizes = {3, 3, 3, 30};  // inconsistent sizes: the rounds that fit
  CHECK(rounds_of(r, false).size() == 3);
}
