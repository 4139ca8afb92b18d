// GPU timing logic without a GPU: the timing mode names, the bottleneck hint and its named
// thresholds, the GPU stability warning, the enqueue series of the latency loop and the
// batched throughput loop, all driven by fake timers (no clock, no device).
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "core/device_timing.hpp"
#include "core/timed_loop.hpp"
#include "core/timing_options.hpp"
#include "core/worker_protocol.hpp"
#include "util/errors.hpp"

using tb::Bottleneck;
using tb::DeviceTimeMedians;
using tb::TimingMode;
using tb::TimingOptions;
namespace th = tb::thresholds;

namespace {

TimingOptions count_only(std::int64_t min_iters, std::int64_t max_iters) {
  TimingOptions o;
  o.warmup_iters = 0;
  o.warmup_seconds = 0;
  o.min_iters = min_iters;
  o.min_seconds = 0;
  o.max_seconds = 1e9;
  o.max_iters = max_iters;
  return o;
}

// Latency mode: a scripted {device, host, enqueue} per call.
struct FakeLatencyTimer {
  std::vector<tb::IterationTime> script;
  std::size_t calls = 0;
  template <class B>
  tb::IterationTime time(B& body) {
    body();
    return script[std::min(calls++, script.size() - 1)];
  }
};

// Throughput mode: every queued call "takes" device_ms on the device and enqueue_ms on the
// host; the batch's wall time is batch_overhead_ms plus the device time of its calls.
struct FakeBatchTimer {
  double device_ms = 2.0;
  double enqueue_ms = 0.5;
  double batch_overhead_ms = 1.0;
  int batches = 0;
  int queued = 0;
  std::vector<int> batch_sizes;
  void begin_batch() {
    ++batches;
    queued = 0;
  }
  template <class B>
  void enqueue(B& body) {
    body();
    ++queued;
  }
  tb::BatchTimes end_batch() {
    batch_sizes.push_back(queued);
    tb::BatchTimes t;
    for (int i = 0; i < queued; ++i) {
      t.device_ms.push_back(device_ms + i);  // distinct per call: order must be kept
      t.enqueue_ms.push_back(enqueue_ms);
    }
    t.host_ms = batch_overhead_ms + device_ms * queued;
    return t;
  }
};

}  // namespace

TEST_CASE("timing modes parse and print", "[device_timing]") {
  CHECK(tb::parse_timing_mode("latency") == TimingMode::latency);
  CHECK(tb::parse_timing_mode("throughput") == TimingMode::throughput);
  CHECK_FALSE(tb::parse_timing_mode("Latency"));
  CHECK_FALSE(tb::parse_timing_mode(""));
  CHECK(tb::to_string(TimingMode::latency) == "latency");
  CHECK(tb::to_string(TimingMode::throughput) == "throughput");
}

TEST_CASE("the timing mode travels in the worker job and defaults to latency", "[device_timing]") {
  TimingOptions o;
  o.mode = TimingMode::throughput;
  const nlohmann::json j = o;
  CHECK(j.at("mode") == "throughput");
  CHECK(j.get<TimingOptions>().mode == TimingMode::throughput);
  auto old = j;
  old.erase("mode");  // a report written before the field existed
  CHECK(old.get<TimingOptions>().mode == TimingMode::latency);
  old["mode"] = "fast";
  CHECK_THROWS(old.get<TimingOptions>());
}

TEST_CASE("enqueue-bound at the named ratio of device time", "[device_timing]") {
  DeviceTimeMedians m{.device_ms = 10.0, .host_ms = 10.5, .enqueue_ms = 10.0 * th::kEnqueueBoundRatio};
  CHECK(tb::classify_bottleneck(m) == Bottleneck::enqueue_bound);
  CHECK(tb::bottleneck_message(Bottleneck::enqueue_bound, m).find("enqueue-bound") == 0);
  m.enqueue_ms = 10.0 * th::kEnqueueBoundRatio * 0.99;
  CHECK(tb::classify_bottleneck(m) == Bottleneck::none);
  CHECK(tb::bottleneck_message(Bottleneck::none, m).empty());
}

TEST_CASE("transfer-bound when a copy takes at least the compute time", "[device_timing]") {
  DeviceTimeMedians m{.device_ms = 4.0, .host_ms = 9.0, .enqueue_ms = 0.1};
  CHECK(tb::classify_bottleneck(m) == Bottleneck::none);  // no transfers measured
  m.h2d_ms = 4.0 * th::kTransferBoundRatio;
  m.d2h_ms = 0.5;
  CHECK(tb::classify_bottleneck(m) == Bottleneck::transfer_bound);
  CHECK(tb::bottleneck_message(Bottleneck::transfer_bound, m).find("host-to-device") != std::string::npos);
  m.h2d_ms = 0.5;
  m.d2h_ms = 5.0;
  CHECK(tb::bottleneck_message(Bottleneck::transfer_bound, m).find("device-to-host") != std::string::npos);
  m.d2h_ms = 3.9;
  CHECK(tb::classify_bottleneck(m) == Bottleneck::none);
  // Transfer-bound wins over enqueue-bound: the copy is the larger cost to remove.
  m.d2h_ms = 4.0;
  m.enqueue_ms = 4.0;
  CHECK(tb::classify_bottleneck(m) == Bottleneck::transfer_bound);
}

TEST_CASE("no hint without a device time", "[device_timing]") {
  CHECK(tb::classify_bottleneck({.device_ms = 0, .host_ms = 1, .enqueue_ms = 1}) == Bottleneck::none);
  CHECK(tb::to_string(Bottleneck::enqueue_bound) == "enqueue_bound");
  CHECK(tb::to_string(Bottleneck::transfer_bound) == "transfer_bound");
  CHECK(tb::to_string(Bottleneck::none) == "none");
}

TEST_CASE("GPU stability warning above the named CV", "[device_timing]") {
  CHECK(tb::gpu_stability_warning(th::kGpuUnstableCv).empty());
  CHECK(tb::gpu_stability_warning(0.0).empty());
  const auto warning = tb::gpu_stability_warning(th::kGpuUnstableCv * 1.2);
  CHECK(warning.find("unstable on the GPU") == 0);
  CHECK(warning.find("3.000%") != std::string::npos);
}

TEST_CASE("the latency loop keeps device, host and enqueue series apart", "[device_timing]") {
  FakeLatencyTimer timer{{{2.0, 2.5, 0.3}, {3.0, 3.5, 0.4}}};
  int calls = 0;
  auto body = [&] { ++calls; };
  const auto loop = tb::run_measurement(timer, body, count_only(4, 4), tb::KeptSeries::host);
  CHECK(calls == 4);
  CHECK(loop.samples_ms == std::vector<double>{2.0, 3.0, 3.0, 3.0});
  CHECK(loop.host_samples_ms == std::vector<double>{2.5, 3.5, 3.5, 3.5});
  CHECK(loop.enqueue_samples_ms == std::vector<double>{0.3, 0.4, 0.4, 0.4});
  // The CPU path keeps none of the extra series.
  FakeLatencyTimer cpu{{{1.0, 1.0, 1.0}}};
  const auto cpu_loop = tb::run_measurement(cpu, body, count_only(3, 3), tb::KeptSeries::samples);
  CHECK(cpu_loop.host_samples_ms.empty());
  CHECK(cpu_loop.enqueue_samples_ms.empty());
}

TEST_CASE("the throughput loop queues batches and keeps per-iteration samples", "[device_timing]") {
  FakeBatchTimer timer;
  int calls = 0;
  auto body = [&] { ++calls; };
  SECTION("stops between batches once min_iters is reached") {
    const auto loop = tb::run_measurement_batched(timer, body, count_only(40, 1000), 32);
    CHECK(timer.batch_sizes == std::vector<int>{32, 32});
    CHECK(calls == 64);
    REQUIRE(loop.samples_ms.size() == 64);
    CHECK(loop.samples_ms[0] == 2.0);
    CHECK(loop.samples_ms[31] == 33.0);
    CHECK(loop.samples_ms[32] == 2.0);
    CHECK(loop.enqueue_samples_ms.size() == 64);
    REQUIRE(loop.host_samples_ms.size() == 64);
    // The batch wall time spread over its calls.
    CHECK(loop.host_samples_ms[0] == Approx((1.0 + 2.0 * 32) / 32));
    CHECK(loop.elapsed_seconds == Approx(2 * (1.0 + 2.0 * 32) / 1000.0));
  }
  SECTION("never runs past max_iters") {
    const auto loop = tb::run_measurement_batched(timer, body, count_only(40, 40), 32);
    CHECK(timer.batch_sizes == std::vector<int>{32, 8});
    CHECK(loop.samples_ms.size() == 40);
  }
  SECTION("the time limit ends it") {
    auto o = count_only(1, 1'000'000);
    o.min_iters = 1'000'000;
    o.max_seconds = 0.2;  // each 32-call batch takes 65 ms
    const auto loop = tb::run_measurement_batched(timer, body, o, 32);
    CHECK(timer.batches == 4);
    CHECK(loop.samples_ms.size() == 128);
  }
}

namespace {

// --include-transfers: a phased body that logs the order its parts ran in.
struct LoggingPhasedBody {
  std::string log;
  void copy_in() { log += "i"; }
  void compute() { log += "c"; }
  void copy_out() { log += "o"; }
  void operator()() {
    copy_in();
    compute();
    copy_out();
  }
};
static_assert(tb::PhasedBody<LoggingPhasedBody>);
static_assert(!tb::PhasedBody<void (*)()>);

// Latency mode: the parts run in order, each iteration gets scripted copy times.
struct FakePhasedTimer {
  int calls = 0;
  tb::IterationTime time(LoggingPhasedBody& body) {
    body.copy_in();
    body.compute();
    body.copy_out();
    ++calls;
    tb::IterationTime t;
    t.ms = 2.0;
    t.h2d_ms = 0.5 * calls;
    t.d2h_ms = 0.25 * calls;
    t.host_ms = t.ms + t.h2d_ms + t.d2h_ms + 0.1;
    t.enqueue_ms = 0.2;
    return t;
  }
};

// Throughput mode: copy times per queued call, as a device timer reads them from its events.
struct FakePhasedBatchTimer {
  int queued = 0;
  void begin_batch() { queued = 0; }
  void enqueue(LoggingPhasedBody& body) {
    body();
    ++queued;
  }
  tb::BatchTimes end_batch() {
    tb::BatchTimes t;
    for (int i = 0; i < queued; ++i) {
      t.device_ms.push_back(3.0);
      t.enqueue_ms.push_back(0.1);
      t.h2d_ms.push_back(1.0 + i);
      t.d2h_ms.push_back(0.5);
    }
    t.host_ms = 4.5 * queued;
    return t;
  }
};

}  // namespace

TEST_CASE("with transfers the latency loop keeps the copies beside the compute samples", "[device_timing]") {
  FakePhasedTimer timer;
  LoggingPhasedBody body;
  const auto loop = tb::run_measurement(timer, body, count_only(3, 3), tb::KeptSeries::transfers);
  CHECK(body.log == "icoicoico");
  CHECK(loop.samples_ms == std::vector<double>{2.0, 2.0, 2.0});  // the compute stays the sample
  CHECK(loop.h2d_samples_ms == std::vector<double>{0.5, 1.0, 1.5});
  CHECK(loop.d2h_samples_ms == std::vector<double>{0.25, 0.5, 0.75});
  REQUIRE(loop.host_samples_ms.size() == 3);
  CHECK(loop.host_samples_ms[2] == Approx(2.0 + 1.5 + 0.75 + 0.1));  // end to end: the copies included
  CHECK(loop.enqueue_samples_ms == std::vector<double>{0.2, 0.2, 0.2});
  // The time limits count the whole iteration, copies included.
  CHECK(loop.elapsed_seconds == Approx((2.85 + 3.6 + 4.35) / 1000.0));
}

TEST_CASE("without transfers no copy series is kept", "[device_timing]") {
  FakePhasedTimer timer;
  LoggingPhasedBody body;
  const auto loop = tb::run_measurement(timer, body, count_only(2, 2), tb::KeptSeries::host);
  CHECK(loop.samples_ms.size() == 2);
  CHECK(loop.host_samples_ms.size() == 2);
  CHECK(loop.h2d_samples_ms.empty());
  CHECK(loop.d2h_samples_ms.empty());
}

TEST_CASE("with transfers the throughput loop keeps every queued call's copies", "[device_timing]") {
  FakePhasedBatchTimer timer;
  LoggingPhasedBody body;
  const auto loop = tb::run_measurement_batched(timer, body, count_only(40, 40), 32);
  CHECK(body.log.size() == 3 * 40);
  REQUIRE(loop.samples_ms.size() == 40);
  REQUIRE(loop.h2d_samples_ms.size() == 40);
  REQUIRE(loop.d2h_samples_ms.size() == 40);
  CHECK(loop.h2d_samples_ms[0] == 1.0);
  CHECK(loop.h2d_samples_ms[31] == 32.0);
  CHECK(loop.h2d_samples_ms[32] == 1.0);  // the second batch, in order
  CHECK(loop.d2h_samples_ms[39] == 0.5);
  CHECK(loop.host_samples_ms[0] == Approx(4.5));
}

TEST_CASE("the throughput loop keeps no copy series for a plain body", "[device_timing]") {
  FakeBatchTimer timer;
  int calls = 0;
  auto body = [&] { ++calls; };
  const auto loop = tb::run_measurement_batched(timer, body, count_only(5, 5), 32);
  CHECK(loop.samples_ms.size() == 5);
  CHECK(loop.h2d_samples_ms.empty());
  CHECK(loop.d2h_samples_ms.empty());
}

TEST_CASE("throughput and transfers need a device that queues work", "[device_timing]") {
  auto error_of = [](const TimingOptions& o, std::string_view device) -> std::string {
    try {
      tb::validate_for_device(o, device);
    } catch (const tb::UsageError& e) {
      return e.what();
    }
    return "";
  };
  TimingOptions o;
  CHECK(error_of(o, "cpu").empty());
  o.mode = TimingMode::throughput;
  CHECK_THAT(error_of(o, "cpu"), tbtest::contains("--timing throughput") && tbtest::contains("--device cuda"));
  CHECK(error_of(o, "cuda").empty());
  o.mode = TimingMode::latency;
  o.include_transfers = true;
  CHECK_THAT(error_of(o, "cpu"), tbtest::contains("--include-transfers needs a GPU"));
  CHECK(error_of(o, "cuda:1").empty());
}

TEST_CASE("include_transfers travels in the worker job and defaults to off", "[device_timing]") {
  TimingOptions o;
  o.include_transfers = true;
  const nlohmann::json j = o;
  CHECK(j.at("include_transfers") == true);
  CHECK(j.get<TimingOptions>().include_transfers);
  auto old = j;
  old.erase("include_transfers");  // a job or report written before the option existed
  CHECK_FALSE(old.get<TimingOptions>().include_transfers);
  old["include_transfers"] = "yes";
  CHECK_THROWS(old.get<TimingOptions>());
}
