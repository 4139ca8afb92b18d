#include <c10/core/Event.h>

#include "measure/device.hpp"
#include "measure/timers.hpp"

namespace tb::measure {

struct DeviceEventTimer::Events {
  c10::Device device;
  c10::Event start;
  c10::Event stop;

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

}  // namespace tb::measure
