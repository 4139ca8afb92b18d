#pragma once
// The warm-up and measurement loops, independent of LibTorch and of the clock: a Timer times
// one call of the body and returns an IterationTime. Tests drive it with a fake timer.
#include <cstdint>
#include <vector>

#include "core/timing_options.hpp"

namespace tb {

struct IterationTime {
  double ms = 0;       // the sample: device time on a GPU, host time on the CPU
  double host_ms = 0;  // host wall time of the iteration (drives the time limits)
};

struct LoopResult {
  std::vector<double> samples_ms;
  std::vector<double> host_samples_ms;
  double elapsed_seconds = 0;  // sum of host times
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
LoopResult run_measurement(Timer& timer, Body& body, const TimingOptions& options, bool keep_host_samples) {
  LoopResult result;
  // Reserve so that the timed loop never reallocates (bounded: a guess, not max_iters).
  result.samples_ms.reserve(static_cast<std::size_t>(std::min<std::int64_t>(options.max_iters, 1 << 16)));
  if (keep_host_samples) result.host_samples_ms.reserve(result.samples_ms.capacity());
  std::int64_t iters = 0;
  while (!measurement_done(options, iters, result.elapsed_seconds)) {
    const IterationTime t = timer.time(body);
    result.samples_ms.push_back(t.ms);
    if (keep_host_samples) result.host_samples_ms.push_back(t.host_ms);
    result.elapsed_seconds += t.host_ms / 1000.0;
    ++iters;
  }
  return result;
}

}  // namespace tb
