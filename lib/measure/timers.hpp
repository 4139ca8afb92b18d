#pragma once
// Per-iteration timers for the timed loop (core/timed_loop.hpp).
#include <chrono>
#include <memory>

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
    return {ms, ms};
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
    const double device_ms = record_stop_and_wait();
    const double host_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return {device_ms, host_ms};
  }

 private:
  void record_start();
  double record_stop_and_wait();
  struct Events;
  std::unique_ptr<Events> events_;
};

}  // namespace tb::measure
