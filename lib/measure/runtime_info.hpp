#pragma once
// What LibTorch this binary runs on, for the report's environment block and `env`.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tb::measure {

// {"libtorch_version", "cxx11_abi", "mkl", "mkldnn", "openmp", "cuda_compiled",
//  "accelerator", "accelerator_count", "default_threads", "default_interop_threads"}.
nlohmann::json libtorch_info();

// Throws UsageError when `device` is not a valid device string ("cpu", "cuda", "cuda:1")
// or (`DeviceCheck::usable`) this LibTorch cannot use it (no CUDA build, no GPU, index out of
// range). `DeviceCheck::syntax` checks the string only (planning a run for another machine).
enum class DeviceCheck { usable, syntax };
void check_device(const std::string& device, DeviceCheck what = DeviceCheck::usable);

}  // namespace tb::measure
