#include "measure/runtime_info.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include "measure/device.hpp"
#include "util/errors.hpp"

namespace tb::measure {

nlohmann::json libtorch_info() {
  nlohmann::json info = {
      {"libtorch_version", TORCH_VERSION},
      {"cxx11_abi", _GLIBCXX_USE_CXX11_ABI == 1},
      {"mkl", at::hasMKL()},
      {"mkldnn", at::hasMKLDNN()},
      {"openmp", at::hasOpenMP()},
      {"cuda_compiled", at::hasCUDA()},
      {"default_threads", at::get_num_threads()},
      {"default_interop_threads", at::get_num_interop_threads()},
  };
  const int cuda_devices = at::hasCUDA() ? device_count(c10::DeviceType::CUDA) : 0;
  info["accelerator"] = cuda_devices > 0 ? "cuda" : "none";
  info["accelerator_count"] = cuda_devices;
  return info;
}

void check_device(const std::string& text) {
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(text);
  } catch (const std::exception&) {
    throw UsageError("invalid --device '" + text + "': expected cpu, cuda or cuda:N");
  }
  if (device.is_cpu()) return;
  if (!device.is_cuda()) throw UsageError("--device " + text + " is not supported yet; use cpu or cuda[:N]");
  if (!at::hasCUDA()) {
    throw UsageError("--device " + text +
                     ": this LibTorch has no usable CUDA (a CPU-only build, or no GPU/driver); "
                     "build against a CUDA LibTorch on a GPU machine or use --device cpu");
  }
  const auto count = device_count(c10::DeviceType::CUDA);
  if (device.has_index() && device.index() >= count) {
    throw UsageError("--device " + text + ": only " + std::to_string(count) + " CUDA device(s) visible");
  }
}

}  // namespace tb::measure
