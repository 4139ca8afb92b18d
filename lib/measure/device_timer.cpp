#include <c10/core/Event.h>

#include <vector>

#include "measure/device.hpp"
#include "measure/timers.hpp"

namespace tb::measure {

struct DeviceEventTimer::Events {
  c10::Device device;
  c10::Event start;
  c10::Event stop;
  // Throughput mode: one pair per queued call of the current batch (grown on demand, reused).
  std::vector<c10::Event> batch_start;
  std::vector<c10::Event> batch_stop;
  std::size_t batch_size = 0;

  explicit Events(c10::Device d)
      : device(d),
        start(d.type(), c10::EventFlag::BACKEND_DEFAULT),  // BACKEND_DEFAULT enables timing
        stop(d.type(), c10::EventFlag::BACKEND_DEFAULT) {}

  c10::Stream stream() const { return current_stream(device); }
};

DeviceEventTimer::DeviceEventTimer(c10::Device device) : events_(std::make_unique<Events>(with_index(device))) {}
DeviceEventTimer::~DeviceEventTimer() = default;

void DeviceEventTimer::record_start() { events_->start.record(events_->stream()); }

double DeviceEventTimer::record_stop_and_wait() {
  events_->stop.record(events_->stream());
  events_->stop.synchronize();
  return events_->start.elapsedTime(events_->stop);
}

void DeviceEventTimer::begin_batch() {
  events_->batch_size = 0;
  batch_enqueue_ms_.clear();
  batch_start_ = std::chrono::steady_clock::now();
}

void DeviceEventTimer::record_batch_start() {
  auto& e = *events_;
  if (e.batch_start.size() == e.batch_size) {
    e.batch_start.emplace_back(e.device.type(), c10::EventFlag::BACKEND_DEFAULT);
    e.batch_stop.emplace_back(e.device.type(), c10::EventFlag::BACKEND_DEFAULT);
  }
  e.batch_start[e.batch_size].record(e.stream());
}

void DeviceEventTimer::record_batch_stop() {
  auto& e = *events_;
  e.batch_stop[e.batch_size].record(e.stream());
  ++e.batch_size;
}

BatchTimes DeviceEventTimer::end_batch() {
  auto& e = *events_;
  BatchTimes times;
  if (e.batch_size > 0) e.batch_stop[e.batch_size - 1].synchronize();  // one stream: the last one ends last
  times.host_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - batch_start_).count();
  times.device_ms.reserve(e.batch_size);
  for (std::size_t i = 0; i < e.batch_size; ++i) times.device_ms.push_back(e.batch_start[i].elapsedTime(e.batch_stop[i]));
  times.enqueue_ms = batch_enqueue_ms_;
  return times;
}

}  // namespace tb::measure
