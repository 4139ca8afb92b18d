#pragma once
// The few device operations the worker needs, through device-generic LibTorch interfaces
// (c10::impl::DeviceGuardImplInterface, at::accelerator), so that they compile against a
// CPU-only LibTorch and work on any accelerator LibTorch supports. Everything that depends
// on the LibTorch version is in device.cpp.
#include <cstdint>
#include <optional>

#include <c10/core/Device.h>
#include <c10/core/Stream.h>

namespace tb::measure {

// `device` with its index filled in (the current device of that type when none was given).
c10::Device with_index(c10::Device device);

// The stream work is queued on for `device` (the current stream).
c10::Stream current_stream(c10::Device device);

// Whether this LibTorch has a backend for that device type (its device guard is registered,
// e.g. libc10_cuda is linked), whether or not a device is present.
bool backend_built(c10::DeviceType type);

// Number of devices of that type LibTorch can see; 0 when it has no backend for it.
int device_count(c10::DeviceType type);

struct DeviceMemory {
  std::int64_t peak_allocated_bytes = 0;
  std::int64_t peak_reserved_bytes = 0;
};

// Resets / reads the caching allocator's peak statistics. nullopt when this LibTorch has
// no generic allocator statistics (before 2.9) or the device has none.
void reset_peak_memory(c10::Device device);
std::optional<DeviceMemory> peak_memory(c10::Device device);

}  // namespace tb::measure
