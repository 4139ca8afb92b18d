#pragma once
// The report's environment block and `torchbench-cli env`.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/system_info.hpp"

namespace tb::report {

// Machine facts plus the LibTorch block (measure::libtorch_info(), passed in so that this
// layer stays free of LibTorch), the device the run used and other programs' share of the
// CPU time during it (competing_cpu_share in util/cpu_usage.hpp; null outside a run).
nlohmann::json environment_json(const SystemInfo& system, const nlohmann::json& libtorch, const std::string& device,
                                std::optional<double> competing_cpu_share = std::nullopt);

// Named thresholds of the machine warnings.
inline constexpr double kHighLoadPerCpu = 0.5;  // 1-minute load average per usable CPU
// Other programs' share of the time of the CPUs the run may use (util/cpu_usage.hpp): above it,
// the run competed with them. A background compile on a 2-CPU machine takes 50%.
inline constexpr double kCompetingCpuShare = 0.10;

// GPU clocks look unlocked when the SM clock at rest (before the run) is below this fraction
// of its maximum: a GPU with clocks locked (nvidia-smi -lgc) or at full speed is above it.
inline constexpr double kUnlockedClockRatio = 0.9;

// Warnings about the machine before a run: a CPU frequency governor other than
// `performance` (when exposed); on --device cuda[:N] also GPU clocks that look unlocked and
// other processes on the GPU (NVML).
std::vector<std::string> machine_warnings(const SystemInfo& system, const std::string& device = "cpu");

// The load warning of a run, once its workers are reaped: from `competing_cpu_share` (other
// programs' share of the usable CPUs' time during the run) when known, above kCompetingCpuShare; else
// from `system`'s 1-minute load average, above kHighLoadPerCpu per usable CPU. None below.
std::optional<std::string> load_warning(const SystemInfo& system, std::optional<double> competing_cpu_share);

// The GPU part of machine_warnings for GPU `index` (none when NVML does not list it).
std::vector<std::string> gpu_warnings(const NvmlInfo& nvml, int index);

// Human-readable "key: value" lines of the same block.
std::string environment_text(const nlohmann::json& environment);

}  // namespace tb::report
