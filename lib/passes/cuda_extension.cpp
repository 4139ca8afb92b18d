// The one place that knows whether the optional tb_cuda target is linked: CMake defines
// TB_CUDA_EXTENSION for this file only when LibTorch has CUDA (lib/CMakeLists.txt).
#include "passes/cuda_extension.hpp"

namespace tb::cuda {
#ifdef TB_CUDA_EXTENSION
void fill_extension(passes::CudaExtension& table);  // lib/cuda/extension.cpp
#endif
}  // namespace tb::cuda

namespace tb::passes {

const CudaExtension& cuda_extension() {
  static const CudaExtension table = [] {
    CudaExtension t;
#ifdef TB_CUDA_EXTENSION
    cuda::fill_extension(t);
#endif
    return t;
  }();
  return table;
}

}  // namespace tb::passes
