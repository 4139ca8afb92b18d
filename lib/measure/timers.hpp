#pragma once
// Per-iteration timers for the timed loop (core/timed_loop.hpp).
#include <chrono>
#include <memory>
#include <vector>

#include <c10/core/Device.h>

#include "core/timed_loop.hpp"

namespace tb::measure {

// CPU: a steady clock read right before and right after the call.
struct SteadyClockTimer {
  template <class Body>
  IterationTime time(Body& body) {
    const auto start = std::chrono::steady_clock::now();
    body();
    const auto stop = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(stop - start).count();
    return {ms, ms, ms};
  }
};

// Accelerators: timing-enabled c10::Event records on the current stream of the device
// around the call, then waits for the stop event; the sample is the device time between the
// events, host time is kept beside it. Device-generic, so it compiles against a CPU-only
// LibTorch and runs on a CUDA one.
class DeviceEventTimer {
 public:
  explicit DeviceEventTimer(c10::Device device);
  ~DeviceEventTimer();

  template <class Body>
  IterationTime time(Body& body) {
    const auto start = std::chrono::steady_clock::now();
    record_start();
    body();
    const double enqueue_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const double device_ms = record_stop_and_wait();
    const double host_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return {device_ms, host_ms, enqueue_ms};
  }

  // Throughput mode (run_measurement_batched): a start/stop event pair per queued call from
  // a pool, one wait at the end of the batch, then every pair's elapsed time.
  void begin_batch();
  template <class Body>
  void enqueue(Body& body) {
    const auto start = std::chrono::steady_clock::now();
    record_batch_start();
    body();
    record_batch_stop();
    batch_enqueue_ms_.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  BatchTimes end_batch();

 private:
  void record_start();
  double record_stop_and_wait();
  void record_batch_start();
  void record_batch_stop();
  std::chrono::steady_clock::time_point batch_start_;
  std::vector<double> batch_enqueue_ms_;
  struct Events;
  std::unique_ptr<Events> events_;
};

}  // namespace tb::measure
