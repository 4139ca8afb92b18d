#pragma once
// The report's environment block and `torchbench-cli env`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/system_info.hpp"

namespace tb::report {

// Machine facts plus the LibTorch block (measure::libtorch_info(), passed in so that this
// layer stays free of LibTorch) and the device the run used.
nlohmann::json environment_json(const SystemInfo& system, const nlohmann::json& libtorch, const std::string& device);

// Named thresholds of the machine warnings.
inline constexpr double kHighLoadPerCpu = 0.5;  // 1-minute load average per usable CPU

// GPU clocks look unlocked when the SM clock at rest (before the run) is below this fraction
// of its maximum: a GPU with clocks locked (nvidia-smi -lgc) or at full speed is above it.
inline constexpr double kUnlockedClockRatio = 0.9;

// Warnings about the machine before a run: a CPU frequency governor other than
// `performance` (when exposed), a load average above kHighLoadPerCpu per usable CPU; on
// --device cuda[:N] also GPU clocks that look unlocked and other processes on the GPU (NVML).
std::vector<std::string> machine_warnings(const SystemInfo& system, const std::string& device = "cpu");

// The GPU part of machine_warnings for GPU `index` (none when NVML does not list it).
std::vector<std::string> gpu_warnings(const NvmlInfo& nvml, int index);

// Human-readable "key: value" lines of the same block.
std::string environment_text(const nlohmann::json& environment);

}  // namespace tb::report
