#include <c10/core/Event.h>

#include <vector>

#include "measure/device.hpp"
#include "measure/timers.hpp"

namespace tb::measure {
namespace {

// BACKEND_DEFAULT enables timing (c10::EventFlag); an event costs nothing until recorded.
struct IterationEvents {
  c10::Event copy_in, start, stop, copy_out;
  explicit IterationEvents(c10::DeviceType type)
      : copy_in(type, c10::EventFlag::BACKEND_DEFAULT),
        start(type, c10::EventFlag::BACKEND_DEFAULT),
        stop(type, c10::EventFlag::BACKEND_DEFAULT),
        copy_out(type, c10::EventFlag::BACKEND_DEFAULT) {}
};

}  // namespace

struct DeviceEventTimer::Events {
  c10::Device device;
  IterationEvents latency;
  // Throughput mode: one set per queued call of the current batch (grown on demand, reused).
  std::vector<IterationEvents> batch;
  std::size_t batch_size = 0;
  bool batch_phased = false;

  explicit Events(c10::Device d) : device(d), latency(d.type()) {}

  c10::Stream stream() const { return current_stream(device); }

  static c10::Event& at(IterationEvents& events, Mark mark) {
    switch (mark) {
      case Mark::copy_in: return events.copy_in;
      case Mark::start: return events.start;
      case Mark::stop: return events.stop;
      case Mark::copy_out: break;
    }
    return events.copy_out;
  }

  // The last event of an iteration is recorded last on the one stream: when it is done, all are.
  static void read(IterationEvents& events, bool phased, double& device_ms, double& h2d_ms, double& d2h_ms) {
    (phased ? events.copy_out : events.stop).synchronize();
    device_ms = events.start.elapsedTime(events.stop);
    if (phased) {
      h2d_ms = events.copy_in.elapsedTime(events.start);
      d2h_ms = events.stop.elapsedTime(events.copy_out);
    }
  }
};

DeviceEventTimer::DeviceEventTimer(c10::Device device) : events_(std::make_unique<Events>(with_index(device))) {}
DeviceEventTimer::~DeviceEventTimer() = default;

void DeviceEventTimer::record(Mark mark) { Events::at(events_->latency, mark).record(events_->stream()); }

void DeviceEventTimer::wait_and_read(IterationTime& t, bool phased) {
  Events::read(events_->latency, phased, t.ms, t.h2d_ms, t.d2h_ms);
}

void DeviceEventTimer::begin_batch() {
  events_->batch_size = 0;
  batch_enqueue_ms_.clear();
  batch_start_ = TimerClock::now();
}

void DeviceEventTimer::begin_slot() {
  auto& e = *events_;
  if (e.batch.size() == e.batch_size) e.batch.emplace_back(e.device.type());
}

void DeviceEventTimer::record_in_slot(Mark mark) {
  auto& e = *events_;
  Events::at(e.batch[e.batch_size], mark).record(e.stream());
}

void DeviceEventTimer::end_slot(bool phased) {
  events_->batch_phased = phased;
  ++events_->batch_size;
}

BatchTimes DeviceEventTimer::end_batch() {
  auto& e = *events_;
  BatchTimes times;
  // One stream: the last call's last event ends last, so one wait covers the batch.
  if (e.batch_size > 0) (e.batch_phased ? e.batch[e.batch_size - 1].copy_out : e.batch[e.batch_size - 1].stop).synchronize();
  times.host_ms = ms_between(batch_start_, TimerClock::now());
  times.device_ms.resize(e.batch_size);
  if (e.batch_phased) {
    times.h2d_ms.resize(e.batch_size);
    times.d2h_ms.resize(e.batch_size);
  }
  double unused = 0;
  for (std::size_t i = 0; i < e.batch_size; ++i) {
    Events::read(e.batch[i], e.batch_phased, times.device_ms[i], e.batch_phased ? times.h2d_ms[i] : unused,
                 e.batch_phased ? times.d2h_ms[i] : unused);
  }
  times.enqueue_ms = batch_enqueue_ms_;
  return times;
}

}  // namespace tb::measure
