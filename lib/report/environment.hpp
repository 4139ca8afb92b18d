#pragma once
// The report's environment block and `torchbench-cli env`.
#include <string>

#include <nlohmann/json.hpp>

#include "util/system_info.hpp"

namespace tb::report {

// Machine facts plus the LibTorch block (measure::libtorch_info(), passed in so that this
// layer stays free of LibTorch) and the device the run used.
nlohmann::json environment_json(const SystemInfo& system, const nlohmann::json& libtorch, const std::string& device);

// Human-readable "key: value" lines of the same block.
std::string environment_text(const nlohmann::json& environment);

}  // namespace tb::report
