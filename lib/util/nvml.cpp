#include "util/nvml.hpp"

#include <dlfcn.h>
#include <unistd.h>

namespace tb {
namespace {

// The few NVML entry points used, with their C signatures (nvml.h; stable ABI).
using nvmlDevice_t = void*;
using nvmlReturn_t = int;
constexpr nvmlReturn_t kSuccess = 0;
constexpr nvmlReturn_t kInsufficientSize = 7;
constexpr int kClockSm = 1;
constexpr int kClockMem = 2;

struct ProcessInfo {  // nvmlProcessInfo_v2_t, as filled by nvmlDeviceGetComputeRunningProcesses_v3
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};

struct MemoryInfo {  // nvmlMemory_t
  unsigned long long total, free, used;
};

template <class F>
F symbol(void* library, const char* name) {
  return reinterpret_cast<F>(dlsym(library, name));
}

}  // namespace

std::optional<NvmlInfo> read_nvml() {
  void* library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) return std::nullopt;
  const auto init = symbol<nvmlReturn_t (*)()>(library, "nvmlInit_v2");
  const auto shutdown = symbol<nvmlReturn_t (*)()>(library, "nvmlShutdown");
  if (!init || !shutdown || init() != kSuccess) {
    dlclose(library);
    return std::nullopt;
  }
  const auto driver = symbol<nvmlReturn_t (*)(char*, unsigned)>(library, "nvmlSystemGetDriverVersion");
  const auto cuda_driver = symbol<nvmlReturn_t (*)(int*)>(library, "nvmlSystemGetCudaDriverVersion_v2");
  const auto count = symbol<nvmlReturn_t (*)(unsigned*)>(library, "nvmlDeviceGetCount_v2");
  const auto handle = symbol<nvmlReturn_t (*)(unsigned, nvmlDevice_t*)>(library, "nvmlDeviceGetHandleByIndex_v2");
  const auto name = symbol<nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned)>(library, "nvmlDeviceGetName");
  const auto memory = symbol<nvmlReturn_t (*)(nvmlDevice_t, MemoryInfo*)>(library, "nvmlDeviceGetMemoryInfo");
  const auto clock = symbol<nvmlReturn_t (*)(nvmlDevice_t, int, unsigned*)>(library, "nvmlDeviceGetClockInfo");
  const auto max_clock = symbol<nvmlReturn_t (*)(nvmlDevice_t, int, unsigned*)>(library, "nvmlDeviceGetMaxClockInfo");
  const auto processes = symbol<nvmlReturn_t (*)(nvmlDevice_t, unsigned*, ProcessInfo*)>(
      library, "nvmlDeviceGetComputeRunningProcesses_v3");

  NvmlInfo info;
  char text[96] = {};
  if (driver && driver(text, sizeof text) == kSuccess) info.driver_version = text;
  if (int version = 0; cuda_driver && cuda_driver(&version) == kSuccess) info.cuda_driver_version = version;
  unsigned devices = 0;
  if (count && handle && count(&devices) == kSuccess) {
    for (unsigned i = 0; i < devices; ++i) {
      nvmlDevice_t device = nullptr;
      if (handle(i, &device) != kSuccess) continue;
      NvmlGpu gpu;
      gpu.index = static_cast<int>(i);
      char device_name[96] = {};
      if (name && name(device, device_name, sizeof device_name) == kSuccess) gpu.name = device_name;
      if (MemoryInfo m{}; memory && memory(device, &m) == kSuccess) {
        gpu.memory_total_bytes = static_cast<std::int64_t>(m.total);
      }
      auto read_clock = [&](auto query, int type) -> std::optional<int> {
        unsigned mhz = 0;
        if (query && query(device, type, &mhz) == kSuccess) return static_cast<int>(mhz);
        return std::nullopt;
      };
      gpu.sm_clock_mhz = read_clock(clock, kClockSm);
      gpu.max_sm_clock_mhz = read_clock(max_clock, kClockSm);
      gpu.mem_clock_mhz = read_clock(clock, kClockMem);
      gpu.max_mem_clock_mhz = read_clock(max_clock, kClockMem);
      if (processes) {
        std::vector<ProcessInfo> list(64);
        auto n = static_cast<unsigned>(list.size());
        const auto status = processes(device, &n, list.data());
        if (status == kSuccess) {
          int others = 0;
          for (unsigned p = 0; p < n && p < list.size(); ++p) others += list[p].pid != static_cast<unsigned>(getpid());
          gpu.other_processes = others;
        } else if (status == kInsufficientSize) {
          gpu.other_processes = static_cast<int>(n);  // more than fit: at least that many
        }
      }
      info.gpus.push_back(std::move(gpu));
    }
  }
  shutdown();
  dlclose(library);
  return info;
}

}  // namespace tb
