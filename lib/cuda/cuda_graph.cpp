// cuda-graph runner (optional tb_cuda target, CUDA builds of LibTorch only; NOT YET
// COMPILED OR RUN ON HARDWARE, see docs/gpu.md "Status"). Written against the 2.13 headers
// ATen/cuda/CUDAGraph.h and c10/cuda/CUDAStream.h.
//
// The first kEagerCalls calls run eagerly (the worker's first, cold call: lazy
// initialization, cuDNN/cuBLAS handles and cudnn-benchmark autotuning happen outside the
// capture). The next call, the first warm-up iteration, captures one model call on a side stream into a CUDA graph, with the worker's input
// tensors as the static input buffers (they are the same tensors on every call) and the
// captured outputs as static outputs; that call and every later one replay the graph.
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <memory>
#include <optional>

#include "cuda/cuda.hpp"
#include "model/model.hpp"

namespace tb::cuda {
namespace {

// One eager call, so that the capture lands in warm-up (it would land in the first sample
// only with --warmup-iters 0 and --warmup-time 0).
constexpr int kEagerCalls = 1;

class GraphRunner : public passes::CallRunner {
 public:
  GraphRunner(model::Model& model, c10::Device device) : model_(model), device_(device) {}

  c10::IValue run(const std::vector<c10::IValue>& inputs) override {
    if (calls_ < kEagerCalls) {
      ++calls_;
      return model_.run(inputs);
    }
    if (!graph_) capture(inputs);
    graph_->replay();
    return output_;
  }

 private:
  void capture(const std::vector<c10::IValue>& inputs) {
    const c10::cuda::CUDAGuard device_guard(device_);
    const auto main = c10::cuda::getCurrentCUDAStream(device_.index());
    auto side = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device_.index());
    side.synchronize();
    main.synchronize();  // the eager calls and the inputs are done before capture starts
    auto graph = std::make_unique<at::cuda::CUDAGraph>();
    try {
      const c10::cuda::CUDAStreamGuard on_side(side);
      graph->capture_begin();
      output_ = model_.run(inputs);
      graph->capture_end();
    } catch (const std::exception& e) {
      throw passes::Unsupported(std::string("cuda-graph: capture failed (the model does something a CUDA graph "
                                            "cannot hold: a host sync, a CPU tensor, dynamic shapes): ") +
                                first_line(e.what()));
    }
    side.synchronize();
    graph_ = std::move(graph);
  }

  static std::string first_line(std::string_view text) { return std::string(text.substr(0, text.find('\n'))); }

  model::Model& model_;
  c10::Device device_;
  int calls_ = 0;
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
  c10::IValue output_;  // the static outputs, rewritten by each replay
};

}  // namespace

std::shared_ptr<passes::CallRunner> make_graph_runner(model::Model& model, c10::Device device) {
  return std::make_shared<GraphRunner>(model, device);
}

}  // namespace tb::cuda
