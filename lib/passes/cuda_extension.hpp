#pragma once
// The hook table of what must be CUDA-specific: filled by the optional tb_cuda target
// (lib/cuda/, built only when LibTorch has CUDA), empty otherwise. The passes and the
// environment ask it; an empty slot means "this build has no CUDA", never an #ifdef at the
// call site.
#include <memory>
#include <string>

#include "passes/pass.hpp"

namespace tb::passes {

struct CudaDeviceProperties {
  std::string name;
  int compute_major = 0;
  int compute_minor = 0;
  int sm_count = 0;
  std::int64_t total_memory_bytes = 0;
  int cuda_runtime_version = 0;  // e.g. 12080 for 12.8
};

struct CudaExtension {
  // cuda-graph: a runner that warms up eagerly, captures one call into a CUDA graph on a side
  // stream with the variant's inputs as static buffers, then replays it. Throws Unsupported
  // with the reason when capture fails.
  std::shared_ptr<CallRunner> (*make_graph_runner)(model::Model& model, c10::Device device) = nullptr;
  // The device's properties (environment block).
  CudaDeviceProperties (*device_properties)(int index) = nullptr;
};

// The table of this build (empty slots on a CPU-only LibTorch).
const CudaExtension& cuda_extension();

// The reason a CUDA-only feature is unavailable in this build.
inline constexpr std::string_view kNeedsCudaBuild = "needs a CUDA build of LibTorch (this build has none)";

}  // namespace tb::passes
