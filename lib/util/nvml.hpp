#pragma once
// NVIDIA GPU facts from NVML, loaded at run time with dlopen("libnvidia-ml.so.1"): no build
// dependency, nothing on a machine without the NVIDIA driver (nullopt). Best effort: a field
// NVML cannot read stays nullopt.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tb {

struct NvmlGpu {
  int index = 0;
  std::string name;
  std::optional<std::int64_t> memory_total_bytes;
  std::optional<int> sm_clock_mhz;       // now, read before the run starts
  std::optional<int> max_sm_clock_mhz;
  std::optional<int> mem_clock_mhz;
  std::optional<int> max_mem_clock_mhz;
  std::optional<int> other_processes;    // compute processes on it other than this one
};

struct NvmlInfo {
  std::string driver_version;
  std::optional<int> cuda_driver_version;  // e.g. 12080 for 12.8 (the driver's CUDA API)
  std::vector<NvmlGpu> gpus;
};

// nullopt when libnvidia-ml.so.1 cannot be loaded or initialized.
std::optional<NvmlInfo> read_nvml();

}  // namespace tb
