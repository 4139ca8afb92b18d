// --include-transfers without a GPU: HostTransfers with pageable memory on the CPU (the
// copies, the buffers, the sizes), and the worker's bookkeeping of the three series through
// run_variant on the CPU (the parent refuses transfers on the CPU; the worker accepts them so
// that this path is tested here). The pinned memory and the device events are [gpu] tests.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "catch.hpp"
#include "measure/transfers.hpp"
#include "measure/worker.hpp"
#include "test_support.hpp"

using tb::measure::HostMemory;
using tb::measure::HostTransfers;

TEST_CASE("copy_in writes the host copies into the very input tensors", "[transfers]") {
  std::vector<c10::IValue> inputs = {at::arange(12, at::kFloat).reshape({3, 4}), c10::IValue(7),
                                     at::ones({2, 2}, at::kLong)};
  const auto original = inputs[0].toTensor().clone();
  const auto* storage = inputs[0].toTensor().data_ptr<float>();
  HostTransfers transfers(inputs, HostMemory::pageable);
  CHECK(transfers.h2d_bytes() == 12 * 4 + 4 * 8);  // the tensors only, not the int

  inputs[0].toTensor().zero_();  // as if a previous call had overwritten the inputs
  inputs[2].toTensor().fill_(5);
  transfers.copy_in(inputs);
  CHECK(at::equal(inputs[0].toTensor(), original));
  CHECK(inputs[0].toTensor().data_ptr<float>() == storage);  // same tensor: a CUDA graph's static input
  CHECK(at::equal(inputs[2].toTensor(), at::ones({2, 2}, at::kLong)));
  CHECK(inputs[1].toInt() == 7);
}

TEST_CASE("the host copies keep a channels-last layout", "[transfers]") {
  std::vector<c10::IValue> inputs = {at::randn({2, 3, 4, 5}).contiguous(at::MemoryFormat::ChannelsLast)};
  HostTransfers transfers(inputs, HostMemory::pageable);
  const auto expected = inputs[0].toTensor().clone();
  inputs[0].toTensor().zero_();
  transfers.copy_in(inputs);
  CHECK(inputs[0].toTensor().is_contiguous(at::MemoryFormat::ChannelsLast));
  CHECK(at::equal(inputs[0].toTensor(), expected));
}

TEST_CASE("copy_out copies every output into host buffers it reuses", "[transfers]") {
  std::vector<c10::IValue> none;
  HostTransfers transfers(none, HostMemory::pageable);
  CHECK(transfers.h2d_bytes() == 0);

  const auto a = at::randn({4, 10});
  const auto b = at::arange(6, at::kInt);
  transfers.copy_out(c10::ivalue::Tuple::create({a, b, c10::IValue(2.5)}));
  REQUIRE(transfers.host_outputs().size() == 3);
  CHECK(at::equal(transfers.host_outputs()[0], a));
  CHECK(transfers.host_outputs()[0].data_ptr() != a.data_ptr());  // a copy, not the output itself
  CHECK(at::equal(transfers.host_outputs()[1], b));
  CHECK(transfers.host_outputs()[2].item<double>() == 2.5);
  CHECK(transfers.d2h_bytes() == 4 * 10 * 4 + 6 * 4 + 8);

  SECTION("the same shapes reuse the buffers") {
    const auto* buffer = transfers.host_outputs()[0].data_ptr();
    const auto a2 = at::randn({4, 10});
    transfers.copy_out(c10::ivalue::Tuple::create({a2, b, c10::IValue(1.0)}));
    CHECK(transfers.host_outputs()[0].data_ptr() == buffer);
    CHECK(at::equal(transfers.host_outputs()[0], a2));
  }
  SECTION("a new shape or dtype gets a new buffer") {
    const auto wide = at::randn({4, 20}, at::kDouble);
    transfers.copy_out(wide);
    REQUIRE(transfers.host_outputs().size() == 1);
    CHECK(transfers.host_outputs()[0].scalar_type() == at::kDouble);
    CHECK(at::equal(transfers.host_outputs()[0], wide));
    CHECK(transfers.d2h_bytes() == 4 * 20 * 8);
  }
  SECTION("a broadcast output is copied into a contiguous buffer") {
    const auto broadcast = at::randn({1, 3}).expand({4, 3});
    transfers.copy_out(broadcast);
    CHECK(transfers.host_outputs()[0].is_contiguous());
    CHECK(at::equal(transfers.host_outputs()[0], broadcast));
  }
}

TEST_CASE("run_variant with transfers keeps the copies beside the compute samples", "[transfers]") {
  tb::WorkerJob job;
  job.model = "builtin:mlp:in=64,hidden=32,layers=1,out=5";
  job.variant = tb::parse_variant("t=batch=4,no-grad");
  job.seed = 3;
  job.timing.warmup_iters = 1;
  job.timing.warmup_seconds = 0;
  job.timing.min_iters = 4;
  job.timing.min_seconds = 0;
  job.timing.max_seconds = 5;
  job.timing.include_transfers = true;
  const auto r = tb::measure::run_variant(job);
  INFO(r.error);
  REQUIRE(r.ok());
  const auto n = r.samples_ms.size();
  CHECK(n == 4);
  CHECK(r.h2d_samples_ms.size() == n);
  CHECK(r.d2h_samples_ms.size() == n);
  CHECK(r.host_samples_ms.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    CHECK(r.h2d_samples_ms[i] >= 0);
    CHECK(r.d2h_samples_ms[i] >= 0);
    // The host time of an iteration holds the copies and the call.
    CHECK(r.host_samples_ms[i] >= r.samples_ms[i] + r.h2d_samples_ms[i] + r.d2h_samples_ms[i] - 1e-9);
  }
  CHECK(r.h2d_bytes == 4 * 64 * 4);  // one float32 input of 4x64
  CHECK(r.d2h_bytes == 4 * 5 * 4);   // one float32 output of 4x5
  CHECK(r.output_shapes == std::vector<std::vector<std::int64_t>>{{4, 5}});

  SECTION("without the option there are none") {
    job.timing.include_transfers = false;
    const auto plain = tb::measure::run_variant(job);
    REQUIRE(plain.ok());
    CHECK(plain.h2d_samples_ms.empty());
    CHECK(plain.d2h_samples_ms.empty());
    CHECK(plain.h2d_bytes == 0);
    CHECK(plain.host_samples_ms.empty());
  }
}
