// Device properties for the environment block (optional tb_cuda target; NOT YET COMPILED OR
// RUN ON HARDWARE, see docs/gpu.md "Status").
#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime_api.h>

#include "cuda/cuda.hpp"

namespace tb::cuda {

passes::CudaDeviceProperties device_properties(int index) {
  const cudaDeviceProp* p = at::cuda::getDeviceProperties(index);
  passes::CudaDeviceProperties props;
  props.name = p->name;
  props.compute_major = p->major;
  props.compute_minor = p->minor;
  props.sm_count = p->multiProcessorCount;
  props.total_memory_bytes = static_cast<std::int64_t>(p->totalGlobalMem);
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) props.cuda_runtime_version = runtime;
  return props;
}

}  // namespace tb::cuda
