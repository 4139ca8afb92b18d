#pragma once
// What the machine is, read from /proc, /sys and uname. Every field is best effort:
// empty or 0 when the system does not say.
#include <optional>
#include <string>
#include <vector>

#include "util/nvml.hpp"

namespace tb {

struct GpuInfo {
  std::string name;
  std::string bus;
};

struct SystemInfo {
  std::string hostname;
  std::string os;              // "Linux 6.1.0-18-amd64"
  std::string arch;            // "x86_64"
  std::string cpu_model;
  int logical_cpus = 0;        // online CPUs
  int physical_cores = 0;      // distinct (physical id, core id) pairs
  std::vector<std::string> cpu_flags;  // the SIMD-relevant subset: avx2, avx512f, amx_tile, ...
  std::string governor;        // cpufreq scaling governor of cpu0, "" when not exposed
  std::optional<double> load_average_1m;
  int affinity_cpus = 0;       // CPUs this process may run on
  std::vector<GpuInfo> gpus;   // NVIDIA GPUs seen by the driver, from /proc/driver/nvidia
  std::string nvidia_driver;   // driver version, "" without the NVIDIA driver
  std::optional<NvmlInfo> nvml;  // NVML (dlopen at run time); nullopt without it
};

SystemInfo read_system_info();

}  // namespace tb
