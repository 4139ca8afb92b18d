#include "core/device_timing.hpp"

#include <algorithm>
#include <cstdio>

namespace tb {

std::string_view to_string(TimingMode mode) { return mode == TimingMode::latency ? "latency" : "throughput"; }

std::optional<TimingMode> parse_timing_mode(std::string_view text) {
  if (text == "latency") return TimingMode::latency;
  if (text == "throughput") return TimingMode::throughput;
  return std::nullopt;
}

std::string_view to_string(Bottleneck hint) {
  switch (hint) {
    case Bottleneck::enqueue_bound: return "enqueue_bound";
    case Bottleneck::transfer_bound: return "transfer_bound";
    case Bottleneck::none: break;
  }
  return "none";
}

Bottleneck classify_bottleneck(const DeviceTimeMedians& m) {
  if (!(m.device_ms > 0)) return Bottleneck::none;
  const double copy = std::max(m.h2d_ms.value_or(0.0), m.d2h_ms.value_or(0.0));
  if ((m.h2d_ms || m.d2h_ms) && copy >= thresholds::kTransferBoundRatio * m.device_ms) return Bottleneck::transfer_bound;
  if (m.enqueue_ms >= thresholds::kEnqueueBoundRatio * m.device_ms) return Bottleneck::enqueue_bound;
  return Bottleneck::none;
}

namespace {
std::string fixed(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", value);
  return buffer;
}
}  // namespace

std::string bottleneck_message(Bottleneck hint, const DeviceTimeMedians& m) {
  switch (hint) {
    case Bottleneck::transfer_bound: {
      const bool h2d = m.h2d_ms.value_or(0.0) >= m.d2h_ms.value_or(0.0);
      return std::string("transfer-bound: the ") + (h2d ? "host-to-device" : "device-to-host") + " copy (" +
             fixed(h2d ? *m.h2d_ms : *m.d2h_ms) + " ms) takes at least " + fixed(thresholds::kTransferBoundRatio) +
             "x the compute (" + fixed(m.device_ms) + " ms); keep inputs on the device or overlap the copies";
    }
    case Bottleneck::enqueue_bound:
      return "enqueue-bound: queueing one call takes " + fixed(m.enqueue_ms) + " ms, at least " +
             fixed(thresholds::kEnqueueBoundRatio * 100.0) + "% of its device time (" + fixed(m.device_ms) +
             " ms); the host launch overhead limits it: try cuda-graph or a larger batch";
    case Bottleneck::none: break;
  }
  return "";
}

std::string gpu_stability_warning(double cv) {
  if (!(cv > thresholds::kGpuUnstableCv)) return "";
  return "unstable on the GPU: the device time varies by " + fixed(cv * 100.0) + "% (CV), above " +
         fixed(thresholds::kGpuUnstableCv * 100.0) + "%; lock the clocks or make sure the GPU is not shared";
}

}  // namespace tb
