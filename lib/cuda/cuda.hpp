#pragma once
// The optional tb_cuda target (built only when LibTorch has CUDA): the CUDA-specific code,
// reached only through passes::cuda_extension() (lib/passes/cuda_extension.cpp).
#include "passes/cuda_extension.hpp"

namespace tb::cuda {

std::shared_ptr<passes::CallRunner> make_graph_runner(model::Model& model, c10::Device device);
passes::CudaDeviceProperties device_properties(int index);

// Fills the hook table (called once by passes::cuda_extension()).
void fill_extension(passes::CudaExtension& table);

}  // namespace tb::cuda
