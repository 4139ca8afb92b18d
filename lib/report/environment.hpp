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

// Warnings about the machine before a run: a CPU frequency governor other than
// `performance` (when exposed), a load average above kHighLoadPerCpu per usable CPU.
std::vector<std::string> machine_warnings(const SystemInfo& system);

// Human-readable "key: value" lines of the same block.
std::string environment_text(const nlohmann::json& environment);

}  // namespace tb::report
