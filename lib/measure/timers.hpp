#pragma once
// Per-iteration timers for the timed loop (core/timed_loop.hpp). Both time a PhasedBody
// (--include-transfers) part by part: the sample is the model call, the copies are kept
// beside it.
#include <chrono>
#include <memory>
#include <vector>

#include <c10/core/Device.h>

#include "core/timed_loop.hpp"

namespace tb::measure {

using TimerClock = std::chrono::steady_clock;

inline double ms_between(TimerClock::time_point from, TimerClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// CPU: a steady clock read right before and right after the call (and between the parts of
// a PhasedBody, which only the worker's CPU tests run: `run` refuses transfers on the CPU).
struct SteadyClockTimer {
  template <class Body>
  IterationTime time(Body& body) {
    if constexpr (PhasedBody<Body>) {
      const auto start = TimerClock::now();
      body.copy_in();
      const auto call = TimerClock::now();
      body.compute();
      const auto returned = TimerClock::now();
      body.copy_out();
      const auto stop = TimerClock::now();
      IterationTime t;
      t.ms = t.enqueue_ms = ms_between(call, returned);
      t.host_ms = ms_between(start, stop);
      t.h2d_ms = ms_between(start, call);
      t.d2h_ms = ms_between(returned, stop);
      return t;
    } else {
      const auto start = TimerClock::now();
      body();
      IterationTime t;
      t.ms = t.host_ms = t.enqueue_ms = ms_between(start, TimerClock::now());
      return t;
    }
  }
};

// Accelerators: timing-enabled c10::Event records on the current stream of the device
// around the call, then waits for the last event; the sample is the device time between the
// events around the call, the host and enqueue times are kept beside it, and for a
// PhasedBody the copies' device times (events before the input copies and after the output
// copies). Device-generic, so it compiles against a CPU-only LibTorch and runs on a CUDA one.
class DeviceEventTimer {
 public:
  explicit DeviceEventTimer(c10::Device device);
  ~DeviceEventTimer();

  template <class Body>
  IterationTime time(Body& body) {
    constexpr bool phased = PhasedBody<Body>;
    IterationTime t;
    const auto start = TimerClock::now();
    if constexpr (phased) {
      record(Mark::copy_in);
      body.copy_in();
    }
    const auto call = TimerClock::now();
    record(Mark::start);
    if constexpr (phased) {
      body.compute();
    } else {
      body();
    }
    t.enqueue_ms = ms_between(call, TimerClock::now());
    record(Mark::stop);
    if constexpr (phased) {
      body.copy_out();
      record(Mark::copy_out);
    }
    wait_and_read(t, phased);
    t.host_ms = ms_between(start, TimerClock::now());
    return t;
  }

  // Throughput mode (run_measurement_batched): a set of events per queued call from a pool,
  // one wait at the end of the batch, then every call's elapsed times.
  void begin_batch();
  template <class Body>
  void enqueue(Body& body) {
    constexpr bool phased = PhasedBody<Body>;
    begin_slot();
    if constexpr (phased) {
      record_in_slot(Mark::copy_in);
      body.copy_in();
    }
    const auto call = TimerClock::now();
    record_in_slot(Mark::start);
    if constexpr (phased) {
      body.compute();
    } else {
      body();
    }
    batch_enqueue_ms_.push_back(ms_between(call, TimerClock::now()));
    record_in_slot(Mark::stop);
    if constexpr (phased) {
      body.copy_out();
      record_in_slot(Mark::copy_out);
    }
    end_slot(phased);
  }
  BatchTimes end_batch();

 private:
  // The events of one iteration: before the input copies, around the call, after the
  // output copies.
  enum class Mark { copy_in, start, stop, copy_out };
  void record(Mark mark);
  void wait_and_read(IterationTime& t, bool phased);
  void begin_slot();
  void record_in_slot(Mark mark);
  void end_slot(bool phased);

  TimerClock::time_point batch_start_;
  std::vector<double> batch_enqueue_ms_;
  struct Events;
  std::unique_ptr<Events> events_;
};

}  // namespace tb::measure
