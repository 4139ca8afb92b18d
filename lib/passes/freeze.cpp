// `freeze`: torch.jit.freeze — parameters and attributes become graph constants, so the
// graph optimizer can fold them (e.g. batch norm into the preceding convolution).
#include <torch/csrc/jit/api/module.h>

#include "model/model.hpp"
#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kFreezePass = {
    .name = "freeze",
    .summary = "torch.jit.freeze: inline parameters as constants, fold conv+batch_norm",
    .stage = Stage::model,
    .needs_torchscript = true,
    .apply = [](VariantContext& context, const PassSpec&) {
      auto& model = *context.model;
      model.set_torchscript(torch::jit::freeze(*model.torchscript()));
    },
};

}  // namespace tb::passes
