#include "measure/device.hpp"

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/version.h>

#define TB_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

#if TB_TORCH_AT_LEAST(2, 9)
#include <ATen/DeviceAccelerator.h>
#endif

namespace tb::measure {

c10::Device with_index(c10::Device device) {
  if (device.is_cpu() || device.has_index()) return device;
  return c10::Device(device.type(), c10::impl::getDeviceGuardImpl(device.type())->getDevice().index());
}

c10::Stream current_stream(c10::Device device) {
  return c10::impl::getDeviceGuardImpl(device.type())->getStream(with_index(device));
}

bool backend_built(c10::DeviceType type) { return c10::impl::hasDeviceGuardImpl(type); }

int device_count(c10::DeviceType type) {
  if (!backend_built(type)) return 0;
  return static_cast<int>(c10::impl::getDeviceGuardImpl(type)->deviceCount());
}

void reset_peak_memory(c10::Device device) {
#if TB_TORCH_AT_LEAST(2, 9)
  if (!device.is_cpu()) at::accelerator::resetPeakStats(with_index(device).index());
#endif
}

std::optional<DeviceMemory> peak_memory(c10::Device device) {
#if TB_TORCH_AT_LEAST(2, 9)
  if (device.is_cpu()) return std::nullopt;
  const auto stats = at::accelerator::getDeviceStats(with_index(device).index());
  const auto aggregate = static_cast<std::size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  return DeviceMemory{stats.allocated_bytes[aggregate].peak, stats.reserved_bytes[aggregate].peak};
#else
  return std::nullopt;
#endif
}

}  // namespace tb::measure
