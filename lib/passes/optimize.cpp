// `optimize`: torch.jit.optimize_for_inference — freezes if needed, then applies the
// inference graph rewrites (MKLDNN convolutions on CPU, conv/add/relu fusions, ...).
#include <torch/csrc/jit/api/module.h>

#include "model/model.hpp"
#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kOptimizePass = {
    .name = "optimize",
    .summary = "torch.jit.optimize_for_inference (freezes first if needed)",
    .stage = Stage::model,
    .needs_torchscript = true,
    .apply = [](VariantContext& context, const PassSpec&) {
      auto& model = *context.model;
      model.set_torchscript(torch::jit::optimize_for_inference(*model.torchscript()));
    },
};

}  // namespace tb::passes
