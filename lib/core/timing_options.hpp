#pragma once
// When to stop warming up and measuring. One struct, defaults here, validation in one place.
#include <cstdint>
#include <string_view>

#include "core/device_timing.hpp"

namespace tb {

struct TimingOptions {
  // Warm-up runs until both are reached (the TorchScript profiling executor specializes the
  // graph during its first runs; caches and clocks need time).
  std::int64_t warmup_iters = 5;
  double warmup_seconds = 0.5;
  // Measurement runs until both minimums are reached, or either maximum.
  std::int64_t min_iters = 10;
  double min_seconds = 1.0;
  double max_seconds = 10.0;
  std::int64_t max_iters = 1'000'000;
  // --timing: how a device's timed loop waits for it (core/device_timing.hpp). The CPU is
  // synchronous: only latency applies there.
  TimingMode mode = TimingMode::latency;
  // --include-transfers: the inputs start in pinned host memory; each timed iteration copies
  // them to the device, calls the model, and copies its outputs back, the three parts timed
  // apart on the model's stream (h2d, the sample, d2h). A device only.
  bool include_transfers = false;
};

// Throws UsageError naming the bad option (negative values, min above max, ...).
void validate(const TimingOptions& options);

// Throws UsageError when an option needs a device that queues work and `device` is the CPU
// ("cpu"): --timing throughput, --include-transfers.
void validate_for_device(const TimingOptions& options, std::string_view device);

// Warm-up is over (also once --max-time has passed) after `iters` iterations taking `elapsed_seconds` in total.
bool warmup_done(const TimingOptions& options, std::int64_t iters, double elapsed_seconds);

// Measurement is over after `iters` samples taking `elapsed_seconds` in total.
bool measurement_done(const TimingOptions& options, std::int64_t iters, double elapsed_seconds);

}  // namespace tb
