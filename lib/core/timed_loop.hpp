#pragma once
// The warm-up and measurement loops, independent of LibTorch and of the clock: a Timer times
// one call of the body and returns an IterationTime. Tests drive it with a fake timer.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/timing_options.hpp"

namespace tb {

struct IterationTime {
  double ms = 0;       // the sample: device time on a GPU, host time on the CPU
  double host_ms = 0;  // host wall time of the iteration (drives the time limits)
  double enqueue_ms = 0;  // host time for the call to return (work queued; = host_ms on the CPU)
  // A PhasedBody only: the copies of the inputs to the device and of the outputs back.
  double h2d_ms = 0;
  double d2h_ms = 0;
};

// What a throughput-mode timer returns for one batch of queued iterations.
struct BatchTimes {
  std::vector<double> device_ms;   // per iteration, read from its events after the batch
  std::vector<double> enqueue_ms;  // per iteration, host time for the call to return
  std::vector<double> h2d_ms;      // per iteration of a PhasedBody; empty otherwise
  std::vector<double> d2h_ms;
  double host_ms = 0;              // wall time of the whole batch, synchronization included
};

struct LoopResult {
  std::vector<double> samples_ms;
  std::vector<double> host_samples_ms;
  std::vector<double> enqueue_samples_ms;  // kept with host_samples_ms
  std::vector<double> h2d_samples_ms;      // kept with KeptSeries::transfers
  std::vector<double> d2h_samples_ms;
  double elapsed_seconds = 0;  // sum of host times
};

// The series a latency-mode loop keeps besides the samples.
enum class KeptSeries {
  samples,    // the CPU: the sample is the host time
  host,       // a device: the host and enqueue times too
  transfers,  // --include-transfers: host, enqueue, and the two copies' times
};

// A body whose iteration has three parts a timer can time apart (--include-transfers): copy
// the inputs to the device, call the model, copy its outputs back to the host. operator()
// runs the three in order, for timers that time the iteration as a whole.
template <class Body>
concept PhasedBody = requires(Body& body) {
  body.copy_in();
  body.compute();
  body.copy_out();
  body();
};

// Timer concept: `IterationTime time(Body&)` runs the body once and times it.
template <class Timer, class Body>
LoopResult run_warmup(Timer& timer, Body& body, const TimingOptions& options) {
  LoopResult result;
  std::int64_t iters = 0;
  while (!warmup_done(options, iters, result.elapsed_seconds)) {
    const IterationTime t = timer.time(body);
    result.elapsed_seconds += t.host_ms / 1000.0;
    ++iters;
  }
  result.samples_ms.resize(static_cast<std::size_t>(iters));  // count only; warm-up times are not kept
  return result;
}

template <class Timer, class Body>
LoopResult run_measurement(Timer& timer, Body& body, const TimingOptions& options, KeptSeries kept) {
  LoopResult result;
  const bool host = kept != KeptSeries::samples;
  const bool transfers = kept == KeptSeries::transfers;
  // Reserve so that the timed loop never reallocates (bounded: a guess, not max_iters).
  const auto capacity = static_cast<std::size_t>(std::min<std::int64_t>(options.max_iters, 1 << 16));
  result.samples_ms.reserve(capacity);
  if (host) {
    result.host_samples_ms.reserve(capacity);
    result.enqueue_samples_ms.reserve(capacity);
  }
  if (transfers) {
    result.h2d_samples_ms.reserve(capacity);
    result.d2h_samples_ms.reserve(capacity);
  }
  std::int64_t iters = 0;
  while (!measurement_done(options, iters, result.elapsed_seconds)) {
    const IterationTime t = timer.time(body);
    result.samples_ms.push_back(t.ms);
    if (host) {
      result.host_samples_ms.push_back(t.host_ms);
      result.enqueue_samples_ms.push_back(t.enqueue_ms);
    }
    if (transfers) {
      result.h2d_samples_ms.push_back(t.h2d_ms);
      result.d2h_samples_ms.push_back(t.d2h_ms);
    }
    result.elapsed_seconds += t.host_ms / 1000.0;
    ++iters;
  }
  return result;
}

// Throughput mode (TimingMode::throughput): the timer queues up to `batch_iters` calls
// without waiting, then waits once and reports every queued call's device time (and, for a
// PhasedBody, its two copies' times). Timer
// concept: `void begin_batch()`, `void enqueue(Body&)`, `BatchTimes end_batch()`. Samples stay
// per iteration; host samples are the batch wall time spread evenly (the host does not wait
// per call). The stop rules are checked between batches, so a run may end up to
// batch_iters - 1 iterations past min_iters (never past max_iters).
template <class Timer, class Body>
LoopResult run_measurement_batched(Timer& timer, Body& body, const TimingOptions& options, std::int64_t batch_iters) {
  LoopResult result;
  std::int64_t iters = 0;
  while (!measurement_done(options, iters, result.elapsed_seconds)) {
    const std::int64_t n = std::max<std::int64_t>(1, std::min(batch_iters, options.max_iters - iters));
    timer.begin_batch();
    for (std::int64_t i = 0; i < n; ++i) timer.enqueue(body);
    const BatchTimes batch = timer.end_batch();
    result.samples_ms.insert(result.samples_ms.end(), batch.device_ms.begin(), batch.device_ms.end());
    result.enqueue_samples_ms.insert(result.enqueue_samples_ms.end(), batch.enqueue_ms.begin(), batch.enqueue_ms.end());
    result.h2d_samples_ms.insert(result.h2d_samples_ms.end(), batch.h2d_ms.begin(), batch.h2d_ms.end());
    result.d2h_samples_ms.insert(result.d2h_samples_ms.end(), batch.d2h_ms.begin(), batch.d2h_ms.end());
    const double per_call = batch.device_ms.empty() ? 0.0 : batch.host_ms / static_cast<double>(batch.device_ms.size());
    result.host_samples_ms.insert(result.host_samples_ms.end(), batch.device_ms.size(), per_call);
    result.elapsed_seconds += batch.host_ms / 1000.0;
    iters += static_cast<std::int64_t>(batch.device_ms.size());
  }
  return result;
}

}  // namespace tb
