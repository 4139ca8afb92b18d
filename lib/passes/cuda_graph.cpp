// `cuda-graph`: every timed call replays one CUDA graph captured after warm-up (on a side
// stream, with the variant's input tensors as the static input buffers), which removes the
// per-kernel launch cost. The capture itself needs CUDA headers: it lives in the optional
// tb_cuda target (lib/cuda/cuda_graph.cpp) and reaches this pass through cuda_extension().
#include "passes/cuda_extension.hpp"
#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kCudaGraphPass = {
    .name = "cuda-graph",
    .summary = "replay one CUDA graph per call, captured after warm-up (needs a CUDA build of LibTorch)",
    .stage = Stage::execution,
    .group = "runner",
    .device = "cuda",
    .check = [](const PassSpec&, const VariantSpec&, const c10::Device&) -> std::string {
      if (!cuda_extension().make_graph_runner) return "pass 'cuda-graph' " + std::string(kNeedsCudaBuild);
      return "";
    },
    .apply = [](VariantContext& context, const PassSpec&) {
      if (!cuda_extension().make_graph_runner) throw Unsupported("cuda-graph " + std::string(kNeedsCudaBuild));
      context.runner = cuda_extension().make_graph_runner(*context.model, context.device);
      context.notes.push_back("cuda-graph: calls replay a graph captured after warm-up");
    },
};

}  // namespace tb::passes
