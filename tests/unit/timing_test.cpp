// TimingOptions validation, the stop rules, and the warm-up / measurement loops of
// core/timed_loop.hpp driven by a scripted fake timer (no clock involved).
#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "core/timed_loop.hpp"
#include "core/timing_options.hpp"
#include "util/errors.hpp"

using tb::IterationTime;
using tb::TimingOptions;

namespace {

// Returns the scripted times in order (the last one repeats), calling the body each time.
struct FakeTimer {
  std::vector<IterationTime> script;
  std::size_t calls = 0;

  template <class B>
  IterationTime time(B& body) {
    body();
    const auto& t = script[std::min(calls, script.size() - 1)];
    ++calls;
    return t;
  }
};

struct CountingBody {
  int calls = 0;
  void operator()() { ++calls; }
};

std::string validate_error(const TimingOptions& o) {
  return tbtest::usage_error_of([&] { tb::validate(o); });
}

// Options whose time limits never trigger, so that only iteration counts matter.
TimingOptions count_only() {
  TimingOptions o;
  o.warmup_iters = 0;
  o.warmup_seconds = 0;
  o.min_iters = 1;
  o.min_seconds = 0;
  o.max_seconds = 1e9;
  o.max_iters = 1'000'000;
  return o;
}

}  // namespace

TEST_CASE("validate accepts the defaults and rejects bad options", "[timing]") {
  CHECK_NOTHROW(tb::validate(TimingOptions{}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  TimingOptions o;
  SECTION("negative warm-up iterations") {
    o.warmup_iters = -1;
    CHECK_THAT(validate_error(o), tbtest::contains("--warmup-iters"));
  }
  SECTION("zero warm-up is fine") {
    o.warmup_iters = 0;
    o.warmup_seconds = 0;
    CHECK_NOTHROW(tb::validate(o));
  }
  SECTION("negative or NaN warm-up time") {
    o.warmup_seconds = -0.1;
    CHECK_THAT(validate_error(o), tbtest::contains("--warmup-time"));
    o.warmup_seconds = nan;
    CHECK_THAT(validate_error(o), tbtest::contains("--warmup-time"));
  }
  SECTION("min_iters below 1") {
    o.min_iters = 0;
    CHECK_THROWS_AS(tb::validate(o), tb::UsageError);
    CHECK_THAT(validate_error(o), tbtest::contains("--min-iters"));
  }
  SECTION("negative min time") {
    o.min_seconds = -1;
    CHECK_THAT(validate_error(o), tbtest::contains("--min-time"));
  }
  SECTION("max time zero or infinite") {
    o.max_seconds = 0;
    CHECK_THAT(validate_error(o), tbtest::contains("--max-time"));
    o.max_seconds = inf;
    CHECK_THAT(validate_error(o), tbtest::contains("--max-time"));
  }
  SECTION("max_iters below 1") {
    o.max_iters = 0;
    CHECK_THAT(validate_error(o), tbtest::contains("--max-iters"));
  }
  SECTION("min_iters above max_iters names both values") {
    o.min_iters = 20;
    o.max_iters = 10;
    const auto message = validate_error(o);
    CHECK_THAT(message, tbtest::contains("--min-iters (20)"));
    CHECK_THAT(message, tbtest::contains("--max-iters (10)"));
  }
  SECTION("min time above max time") {
    o.min_seconds = 5;
    o.max_seconds = 2;
    CHECK_THAT(validate_error(o), tbtest::contains("--min-time is above --max-time"));
  }
}

TEST_CASE("warmup_done rules", "[timing]") {
  TimingOptions o;
  o.warmup_iters = 5;
  o.warmup_seconds = 0.5;
  o.max_seconds = 10;
  CHECK_FALSE(tb::warmup_done(o, 0, 0.0));
  CHECK_FALSE(tb::warmup_done(o, 5, 0.4));   // enough iterations, not enough time
  CHECK_FALSE(tb::warmup_done(o, 4, 0.6));   // enough time, not enough iterations
  CHECK(tb::warmup_done(o, 5, 0.5));         // both reached
  CHECK(tb::warmup_done(o, 1, 10.0));        // max time bounds warm-up too
  o.warmup_iters = 0;
  o.warmup_seconds = 0;
  CHECK(tb::warmup_done(o, 0, 0.0));         // no warm-up at all
}

TEST_CASE("measurement_done rules", "[timing]") {
  TimingOptions o;
  o.min_iters = 10;
  o.min_seconds = 1.0;
  o.max_seconds = 10.0;
  o.max_iters = 100;
  CHECK_FALSE(tb::measurement_done(o, 0, 0.0));
  CHECK_FALSE(tb::measurement_done(o, 10, 0.9));  // min time not reached
  CHECK_FALSE(tb::measurement_done(o, 9, 1.5));   // min iterations not reached
  CHECK(tb::measurement_done(o, 10, 1.0));        // both minimums
  CHECK(tb::measurement_done(o, 100, 0.1));       // max iterations
  CHECK(tb::measurement_done(o, 3, 10.0));        // max time
}

TEST_CASE("run_warmup counts iterations and elapsed host time", "[timing]") {
  CountingBody body;
  SECTION("iteration bound") {
    auto o = count_only();
    o.warmup_iters = 4;
    FakeTimer timer{{{1.0, 1.0}}};
    const auto r = tb::run_warmup(timer, body, o);
    CHECK(body.calls == 4);
    CHECK(timer.calls == 4);
    CHECK(r.samples_ms.size() == 4);
    CHECK(r.host_samples_ms.empty());
    CHECK_THAT(r.elapsed_seconds, Catch::Matchers::WithinAbs(0.004, 1e-12));
  }
  SECTION("time bound: runs past warmup_iters until warmup_seconds") {
    auto o = count_only();
    o.warmup_iters = 2;
    o.warmup_seconds = 1.0;
    FakeTimer timer{{{250.0, 250.0}}};  // 0.25 s each
    const auto r = tb::run_warmup(timer, body, o);
    CHECK(body.calls == 4);
    CHECK(r.samples_ms.size() == 4);
    CHECK_THAT(r.elapsed_seconds, Catch::Matchers::WithinAbs(1.0, 1e-12));
  }
  SECTION("elapsed time is the host time, not the device sample") {
    auto o = count_only();
    o.warmup_iters = 1;
    o.warmup_seconds = 1.0;
    FakeTimer timer{{{1.0, 500.0}}};  // device 1 ms, host 500 ms
    const auto r = tb::run_warmup(timer, body, o);
    CHECK(r.samples_ms.size() == 2);
    CHECK_THAT(r.elapsed_seconds, Catch::Matchers::WithinAbs(1.0, 1e-12));
  }
  SECTION("max_seconds stops a slow warm-up") {
    auto o = count_only();
    o.warmup_iters = 100;
    o.warmup_seconds = 0;
    o.max_seconds = 2.0;
    FakeTimer timer{{{1000.0, 1000.0}}};  // 1 s each
    const auto r = tb::run_warmup(timer, body, o);
    CHECK(body.calls == 2);
    CHECK(r.samples_ms.size() == 2);
  }
  SECTION("no warm-up") {
    auto o = count_only();
    FakeTimer timer{{{1.0, 1.0}}};
    const auto r = tb::run_warmup(timer, body, o);
    CHECK(body.calls == 0);
    CHECK(r.samples_ms.empty());
    CHECK(r.elapsed_seconds == 0.0);
  }
}

TEST_CASE("run_measurement keeps samples in order", "[timing]") {
  CountingBody body;
  auto o = count_only();
  o.min_iters = 5;
  FakeTimer timer{{{3.0, 3.5}, {1.0, 1.5}, {4.0, 4.5}, {1.0, 1.5}, {5.0, 5.5}, {9.0, 9.5}}};
  SECTION("without host samples") {
    const auto r = tb::run_measurement(timer, body, o, tb::KeptSeries::samples);
    CHECK(body.calls == 5);
    CHECK(r.samples_ms == std::vector<double>{3.0, 1.0, 4.0, 1.0, 5.0});
    CHECK(r.host_samples_ms.empty());
    CHECK_THAT(r.elapsed_seconds, Catch::Matchers::WithinAbs((3.5 + 1.5 + 4.5 + 1.5 + 5.5) / 1000.0, 1e-12));
  }
  SECTION("with host samples") {
    const auto r = tb::run_measurement(timer, body, o, tb::KeptSeries::host);
    CHECK(r.samples_ms == std::vector<double>{3.0, 1.0, 4.0, 1.0, 5.0});
    CHECK(r.host_samples_ms == std::vector<double>{3.5, 1.5, 4.5, 1.5, 5.5});
  }
}

TEST_CASE("run_measurement stop conditions", "[timing]") {
  CountingBody body;
  SECTION("min_iters reached but min_seconds not: keeps going") {
    auto o = count_only();
    o.min_iters = 3;
    o.min_seconds = 1.0;
    FakeTimer timer{{{125.0, 125.0}}};  // 0.125 s each (exact in binary): needs 8 for 1 s
    const auto r = tb::run_measurement(timer, body, o, tb::KeptSeries::samples);
    CHECK(r.samples_ms.size() == 8);
    CHECK(body.calls == 8);
  }
  SECTION("min_seconds reached but min_iters not: keeps going") {
    auto o = count_only();
    o.min_iters = 7;
    o.min_seconds = 0.1;
    FakeTimer timer{{{200.0, 200.0}}};  // 0.2 s each: 0.1 s after the first
    const auto r = tb::run_measurement(timer, body, o, tb::KeptSeries::samples);
    CHECK(r.samples_ms.size() == 7);
  }
  SECTION("max_seconds cuts the measurement short of min_iters") {
    auto o = count_only();
    o.min_iters = 100;
    o.max_seconds = 1.0;
    o.max_iters = 1000;
    FakeTimer timer{{{300.0, 300.0}}};  // 0.3 s each: 4 iterations pass 1 s
    const auto r = tb::run_measurement(timer, body, o, tb::KeptSeries::samples);
    CHECK(r.samples_ms.size() == 4);
    CHECK_THAT(r.elapsed_seconds, Catch::Matchers::WithinAbs(1.2, 1e-12));
  }
  SECTION("max_iters cuts the measurement short of min_seconds") {
    auto o = count_only();
    o.min_iters = 1;
    o.min_seconds = 100;
    o.max_seconds = 200;
    o.max_iters = 6;
    FakeTimer timer{{{1.0, 1.0}}};
    const auto r = tb::run_measurement(timer, body, o, tb::KeptSeries::host);
    CHECK(r.samples_ms.size() == 6);
    CHECK(r.host_samples_ms.size() == 6);
    CHECK(body.calls == 6);
  }
  SECTION("max_iters equal to min_iters") {
    auto o = count_only();
    o.min_iters = 3;
    o.max_iters = 3;
    FakeTimer timer{{{1.0, 1.0}}};
    CHECK(tb::run_measurement(timer, body, o, tb::KeptSeries::samples).samples_ms.size() == 3);
  }
}
