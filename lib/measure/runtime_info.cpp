#include "measure/runtime_info.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include "measure/device.hpp"
#include "passes/cuda_extension.hpp"
#include "util/errors.hpp"

namespace tb::measure {

nlohmann::json libtorch_info() {
  nlohmann::json info = {
      {"libtorch_version", TORCH_VERSION},
      {"cxx11_abi", _GLIBCXX_USE_CXX11_ABI == 1},
      {"mkl", at::hasMKL()},
      {"mkldnn", at::hasMKLDNN()},
      {"openmp", at::hasOpenMP()},
      {"cuda_compiled", backend_built(c10::DeviceType::CUDA)},  // at::hasCUDA() also needs a device
      {"default_threads", at::get_num_threads()},
      {"default_interop_threads", at::get_num_interop_threads()},
  };
  const int cuda_devices = device_count(c10::DeviceType::CUDA);
  info["accelerator"] = cuda_devices > 0 ? "cuda" : "none";
  info["accelerator_count"] = cuda_devices;
  // Device 0's properties from the optional tb_cuda target; null on a CPU-only build.
  nlohmann::json properties = nullptr;
  if (const auto read = passes::cuda_extension().device_properties; read && cuda_devices > 0) {
    const auto p = read(0);
    properties = {{"name", p.name},
                  {"compute_capability", std::to_string(p.compute_major) + "." + std::to_string(p.compute_minor)},
                  {"sm_count", p.sm_count},
                  {"total_memory_bytes", p.total_memory_bytes},
                  {"cuda_runtime_version", p.cuda_runtime_version}};
  }
  info["cuda_device"] = properties;
  return info;
}

void check_device(const std::string& text, DeviceCheck what) {
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(text);
  } catch (const std::exception&) {
    throw UsageError("invalid --device '" + text + "': expected cpu, cuda or cuda:N");
  }
  if (device.is_cpu()) return;
  if (!device.is_cuda()) throw UsageError("--device " + text + " is not supported yet; use cpu or cuda[:N]");
  if (what == DeviceCheck::syntax) return;
  if (!backend_built(c10::DeviceType::CUDA)) {
    throw UsageError("--device " + text +
                     ": this LibTorch is a CPU-only build, without CUDA; build torchbench-cli against a CUDA "
                     "LibTorch (docs/gpu.md) or use --device cpu");
  }
  const auto count = device_count(c10::DeviceType::CUDA);
  if (count == 0) {
    throw UsageError("--device " + text +
                     ": this LibTorch has CUDA but sees no CUDA device (no GPU, no NVIDIA driver, or "
                     "CUDA_VISIBLE_DEVICES hides them); run on a GPU machine or use --device cpu");
  }
  if (device.has_index() && device.index() >= count) {
    throw UsageError("--device " + text + ": only " + std::to_string(count) + " CUDA device(s) visible");
  }
}

}  // namespace tb::measure
