// Rounds and stopping (core/schedule.hpp): per-round limits, the seeded order, and when a
// variant has measured enough, with and without --target-precision.
#include <algorithm>
#include <numeric>
#include <set>
#include <vector>

#include "catch.hpp"
#include "core/schedule.hpp"
#include "test_support.hpp"

using tb::MeasureProgress;
using tb::ScheduleOptions;
using tb::TimingOptions;

TEST_CASE("round_timing spreads the limits over the rounds", "[schedule]") {
  TimingOptions total;
  total.min_iters = 10;
  total.max_iters = 1001;
  total.min_seconds = 1.0;
  total.max_seconds = 10.0;
  const auto round = tb::round_timing(total, 4);
  CHECK(round.min_iters == 3);  // rounded up: 4 rounds of 3 reach the 10 asked for
  CHECK(round.max_iters == 251);
  CHECK(round.min_seconds == Approx(0.25));
  CHECK(round.max_seconds == Approx(2.5));
  CHECK(round.warmup_iters == 0);
  CHECK(round.warmup_seconds == 0);
  SECTION("one round is the whole budget") {
    const auto one = tb::round_timing(total, 1);
    CHECK(one.min_iters == 10);
    CHECK(one.max_seconds == 10.0);
  }
  SECTION("never below one iteration, max never below min") {
    total.min_iters = 1;
    total.max_iters = 1;
    const auto r = tb::round_timing(total, 5);
    CHECK(r.min_iters == 1);
    CHECK(r.max_iters == 1);
  }
}

TEST_CASE("round_order is a seeded permutation that changes between rounds", "[schedule]") {
  const std::vector<std::size_t> live = {0, 1, 2, 3, 4, 5};
  std::set<std::vector<std::size_t>> orders;
  for (std::int64_t round = 0; round < 20; ++round) {
    const auto order = tb::round_order(live, 7, round);
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == live);
    CHECK(order == tb::round_order(live, 7, round));  // reproducible
    orders.insert(order);
  }
  CHECK(orders.size() > 10);  // 720 orders possible: 20 rounds repeating many would be a bug
  CHECK(tb::round_order(live, 7, 0) != tb::round_order(live, 8, 0));
  CHECK(tb::round_order({3}, 1, 0) == std::vector<std::size_t>{3});
  CHECK(tb::round_order({}, 1, 0).empty());
}

TEST_CASE("every position comes up for every variant", "[schedule]") {
  // Over many rounds each variant runs first about equally often: no variant is always the
  // one that meets a cold machine.
  std::vector<int> first(4, 0);
  for (std::int64_t round = 0; round < 400; ++round) ++first[tb::round_order({0, 1, 2, 3}, 1, round)[0]];
  for (const int count : first) CHECK(count > 60);
}

TEST_CASE("measurement_complete: fixed rounds", "[schedule]") {
  TimingOptions timing;
  timing.min_iters = 10;
  timing.max_seconds = 10;
  ScheduleOptions schedule;
  schedule.rounds = 3;
  CHECK_FALSE(tb::measurement_complete(timing, schedule, MeasureProgress{2, 100, 2.0, {}}));
  CHECK(tb::measurement_complete(timing, schedule, MeasureProgress{3, 100, 2.0, {}}));
  SECTION("a maximum ends it early") {
    CHECK(tb::measurement_complete(timing, schedule, MeasureProgress{1, 5, 10.0, {}}));
    timing.max_iters = 50;
    CHECK(tb::measurement_complete(timing, schedule, MeasureProgress{1, 50, 1.0, {}}));
  }
}

TEST_CASE("measurement_complete: adaptive stopping", "[schedule]") {
  TimingOptions timing;
  timing.min_iters = 10;
  timing.min_seconds = 1.0;
  timing.max_seconds = 10;
  ScheduleOptions schedule;
  schedule.rounds = 5;
  schedule.target_precision = 0.01;
  SECTION("precise enough once the minimums are met") {
    CHECK(tb::measurement_complete(timing, schedule, MeasureProgress{2, 200, 1.0, 0.005}));
    CHECK_FALSE(tb::measurement_complete(timing, schedule, MeasureProgress{2, 200, 0.5, 0.005}));  // min time
    CHECK_FALSE(tb::measurement_complete(timing, schedule, MeasureProgress{2, 9, 1.5, 0.005}));    // min iters
  }
  SECTION("at least two rounds, whatever the precision") {
    CHECK_FALSE(tb::measurement_complete(timing, schedule, MeasureProgress{1, 200, 2.0, 0.001}));
  }
  SECTION("not precise: more rounds than --rounds, until a maximum") {
    CHECK_FALSE(tb::measurement_complete(timing, schedule, MeasureProgress{12, 900, 6.0, 0.02}));
    CHECK(tb::measurement_complete(timing, schedule, MeasureProgress{15, 1200, 10.0, 0.02}));
  }
  SECTION("no precision computed yet keeps measuring") {
    CHECK_FALSE(tb::measurement_complete(timing, schedule, MeasureProgress{5, 900, 6.0, std::nullopt}));
  }
}

TEST_CASE("schedule options are validated", "[schedule]") {
  ScheduleOptions o;
  CHECK_NOTHROW(tb::validate(o));
  o.rounds = 0;
  CHECK_THAT(tbtest::usage_error_of([&] { tb::validate(o); }), tbtest::contains("--rounds"));
  o.rounds = 3;
  o.target_precision = 0.0;
  CHECK_THAT(tbtest::usage_error_of([&] { tb::validate(o); }), tbtest::contains("--target-precision"));
  o.target_precision = 1.5;
  CHECK_THROWS(tb::validate(o));
  CHECK(tb::parse_schedule_mode("sequential") == tb::ScheduleMode::sequential);
  CHECK(tb::to_string(tb::parse_schedule_mode("interleaved")) == "interleaved");
  CHECK_THAT(tbtest::usage_error_of([] { tb::parse_schedule_mode("random"); }), tbtest::contains("got 'random'"));
}

TEST_CASE("processes per variant: validated, and the rounds split into equal blocks", "[schedule]") {
  ScheduleOptions o;
  o.rounds = 10;
  o.processes = 0;
  CHECK_THAT(tbtest::usage_error_of([&] { tb::validate(o); }), tbtest::contains("--processes must be from 1"));
  o.processes = 1001;
  CHECK_THROWS(tb::validate(o));
  o.processes = 11;
  CHECK_THAT(tbtest::usage_error_of([&] { tb::validate(o); }), tbtest::contains("needs at least as many rounds"));
  o.processes = 10;
  CHECK_NOTHROW(tb::validate(o));

  auto processes_of = [&](std::int64_t processes, std::int64_t rounds, std::int64_t extra) {
    o.processes = processes;
    o.rounds = rounds;
    std::vector<std::int64_t> out;
    for (std::int64_t r = 0; r < rounds + extra; ++r) out.push_back(tb::process_of_round(o, r));
    return out;
  };
  CHECK(processes_of(1, 4, 0) == std::vector<std::int64_t>{0, 0, 0, 0});
  CHECK(processes_of(5, 5, 0) == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(processes_of(3, 5, 0) == std::vector<std::int64_t>{0, 0, 1, 1, 2});
  CHECK(processes_of(2, 6, 0) == std::vector<std::int64_t>{0, 0, 0, 1, 1, 1});
  // Adaptive stopping goes on past --rounds in the last process.
  CHECK(processes_of(2, 4, 3) == std::vector<std::int64_t>{0, 0, 1, 1, 1, 1, 1});
  // Every process gets at least one round, for any rounds >= processes.
  for (std::int64_t rounds = 1; rounds <= 40; ++rounds) {
    for (std::int64_t processes = 1; processes <= rounds; ++processes) {
      const auto p = processes_of(processes, rounds, 0);
      for (std::int64_t k = 0; k < processes; ++k) CHECK(std::count(p.begin(), p.end(), k) >= 1);
      CHECK(std::is_sorted(p.begin(), p.end()));
    }
  }
}

TEST_CASE("default_rounds: four rounds per process once there are several", "[schedule]") {
  CHECK(tb::default_rounds(1) == 5);
  CHECK(tb::default_rounds(2) == 8);
  CHECK(tb::default_rounds(5) == 20);
  CHECK(tb::default_rounds(5) / 5 == tb::kRoundsPerProcess);
}
