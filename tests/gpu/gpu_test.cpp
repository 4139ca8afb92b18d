// [gpu] tests: the device timers, the throughput loop, peak memory, the CUDA passes,
// --include-transfers and the out-of-memory stage on a real CUDA device. NOT YET RUN ON
// HARDWARE (docs/gpu.md "Status"); gpu_main.cpp skips the whole binary where no device exists.
#include <torch/torch.h>

#include <string>

#include "catch.hpp"
#include "core/device_timing.hpp"
#include "core/timed_loop.hpp"
#include "measure/device.hpp"
#include "measure/timers.hpp"
#include "measure/transfers.hpp"
#include "measure/worker.hpp"

namespace {

const c10::Device kCuda("cuda:0");

tb::TimingOptions iterations(std::int64_t n) {
  tb::TimingOptions o;
  o.warmup_iters = 0;
  o.warmup_seconds = 0;
  o.min_iters = n;
  o.min_seconds = 0;
  o.max_seconds = 60;
  o.max_iters = n;
  return o;
}

tb::WorkerJob job(const std::string& model, const std::string& variant, tb::TimingMode mode = tb::TimingMode::latency) {
  tb::WorkerJob j;
  j.model = model;
  j.variant = tb::parse_variant(variant);
  j.device = "cuda";
  j.timing = iterations(8);
  j.timing.warmup_iters = 2;
  j.timing.mode = mode;
  return j;
}

}  // namespace

TEST_CASE("device events time a matmul, enqueue returns before the device is done", "[gpu]") {
  auto a = torch::randn({2048, 2048}, torch::TensorOptions().device(kCuda));
  tb::measure::DeviceEventTimer timer(kCuda);
  auto body = [&] { (void)torch::matmul(a, a); };
  const auto loop = tb::run_measurement(timer, body, iterations(10), tb::KeptSeries::host);
  REQUIRE(loop.samples_ms.size() == 10);
  REQUIRE(loop.enqueue_samples_ms.size() == 10);
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(loop.samples_ms[i] > 0);
    CHECK(loop.enqueue_samples_ms[i] <= loop.host_samples_ms[i]);
  }
}

TEST_CASE("the throughput loop reads every iteration's events after the batch", "[gpu]") {
  auto a = torch::randn({1024, 1024}, torch::TensorOptions().device(kCuda));
  tb::measure::DeviceEventTimer timer(kCuda);
  auto body = [&] { (void)torch::matmul(a, a); };
  const auto loop = tb::run_measurement_batched(timer, body, iterations(70), tb::thresholds::kThroughputBatchIters);
  REQUIRE(loop.samples_ms.size() == 70);
  for (const double ms : loop.samples_ms) CHECK(ms > 0);
}

TEST_CASE("peak memory is reset and read", "[gpu]") {
  tb::measure::reset_peak_memory(kCuda);
  auto big = torch::empty({64 << 20}, torch::TensorOptions().device(kCuda).dtype(torch::kFloat));
  const auto peak = tb::measure::peak_memory(kCuda);
  REQUIRE(peak);
  CHECK(peak->peak_allocated_bytes >= static_cast<std::int64_t>(big.nbytes()));
  CHECK(peak->peak_reserved_bytes >= peak->peak_allocated_bytes);
}

TEST_CASE("variants run on the GPU in both timing modes", "[gpu]") {
  for (const auto mode : {tb::TimingMode::latency, tb::TimingMode::throughput}) {
    const auto r = tb::measure::run_variant(job("builtin:mlp", "v=fp16,no-grad", mode));
    INFO(r.error);
    REQUIRE(r.ok());
    CHECK(r.timer == "device_event");
    CHECK(r.timing_mode == std::string(tb::to_string(mode)));
    CHECK(r.enqueue_samples_ms.size() == r.samples_ms.size());
    CHECK(r.device_peak_allocated_bytes.value_or(0) > 0);
  }
}

TEST_CASE("cuda-graph, streams and tf32 run on the GPU", "[gpu]") {
  for (const std::string variant : {"v=cuda-graph,no-grad", "v=streams=3,no-grad", "v=tf32,cudnn-benchmark,no-grad",
                                    "v=autocast=fp16,no-grad"}) {
    const auto r = tb::measure::run_variant(job("builtin:resnet18:width=8,image=32,classes=10", variant));
    INFO(variant << ": " << r.error);
    CHECK(r.ok());
    if (variant.find("streams") != std::string::npos) {
      CHECK(r.calls_per_sample == 3);
      CHECK(r.per_stream_samples_ms.size() == 3);
    }
  }
}

TEST_CASE("transfers: pinned copies timed in and out in both timing modes", "[gpu]") {
  for (const auto mode : {tb::TimingMode::latency, tb::TimingMode::throughput}) {
    for (const std::string variant : {"v=no-grad", "v=cuda-graph,no-grad", "v=fp16,channels-last,no-grad"}) {
      auto j = job("builtin:resnet18:width=8,image=32,classes=10", variant, mode);
      j.timing.include_transfers = true;
      const auto r = tb::measure::run_variant(j);
      INFO(tb::to_string(mode) << " " << variant << ": " << r.error);
      REQUIRE(r.ok());
      const auto n = r.samples_ms.size();
      CHECK(n >= 8);
      REQUIRE(r.h2d_samples_ms.size() == n);
      REQUIRE(r.d2h_samples_ms.size() == n);
      for (std::size_t i = 0; i < n; ++i) {
        CHECK(r.h2d_samples_ms[i] > 0);
        CHECK(r.d2h_samples_ms[i] > 0);
      }
      const std::int64_t element = variant.find("fp16") != std::string::npos ? 2 : 4;
      CHECK(r.h2d_bytes == 3 * 32 * 32 * element);
      CHECK(r.d2h_bytes == 10 * element);
    }
  }
}

TEST_CASE("HostTransfers allocates pinned host memory and copies on the current stream", "[gpu]") {
  std::vector<c10::IValue> inputs = {torch::randn({64, 64}, torch::TensorOptions().device(kCuda))};
  const auto expected = inputs[0].toTensor().clone();
  tb::measure::HostTransfers transfers(inputs, tb::measure::HostMemory::pinned);
  inputs[0].toTensor().zero_();
  transfers.copy_in(inputs);
  transfers.copy_out(inputs[0]);
  torch::cuda::synchronize();
  CHECK(torch::equal(inputs[0].toTensor(), expected));
  REQUIRE(transfers.host_outputs().size() == 1);
  CHECK(transfers.host_outputs()[0].is_pinned());
  CHECK(torch::equal(transfers.host_outputs()[0], expected.cpu()));
}

TEST_CASE("a CUDA out-of-memory is the variant's out_of_memory failure", "[gpu]") {
  auto j = job("builtin:mlp", "v=no-grad");
  j.inputs = {tb::parse_input_spec("50000000x1024:float32")};
  const auto r = tb::measure::run_variant(j);
  CHECK(r.failure == tb::FailureStage::out_of_memory);
}
