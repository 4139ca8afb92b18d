// `executor=profiling|simple|legacy`: which TorchScript graph executor runs the model.
//  - profiling (LibTorch's default): the first calls run an instrumented graph that
//    records tensor types; later calls run a graph specialized to them (with type guards),
//    where the fusers can act.
//  - simple: no profiling, no specialization and no fusion; the graph runs as written,
//    after the required lowering passes. The cost of the first calls disappears, and so do
//    the optimizations.
//  - legacy: the executor from before the profiling one became the default; it specializes
//    on the argument shapes it sees, without profiling runs.
// Process-wide (torch._C._jit_set_profiling_executor / _jit_set_profiling_mode), read when a
// method first runs, so it is set before the model loads.
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <array>

#include "passes/pass.hpp"

namespace tb::passes {
namespace {

constexpr std::array<std::string_view, 3> kExecutors = {"profiling", "simple", "legacy"};

}  // namespace

extern const PassInfo kExecutorPass = {
    .name = "executor",
    .summary = "TorchScript graph executor: profiling (default), simple (no optimization), legacy",
    .stage = Stage::process,
    .value = ValueKind::choice,
    .choices = kExecutors,
    .needs_torchscript = true,
    .apply = [](VariantContext&, const PassSpec& pass) {
      const auto executor = choice_value(pass);
      torch::jit::getExecutorMode() = executor != "legacy";
      torch::jit::getProfilingMode() = executor == "profiling";
    },
};

}  // namespace tb::passes
