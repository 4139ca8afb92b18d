// `grad`: autograd on, as a naive user runs a model (the default when no autograd pass is
// given): every call records the autograd graph and keeps activations alive for it.
#include <ATen/core/grad_mode.h>

#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kGradPass = {
    .name = "grad",
    .summary = "autograd on, as a naive user runs the model (the default)",
    .stage = Stage::execution,
    .group = "autograd",
    .apply = [](VariantContext& context, const PassSpec&) {
      context.scopes.push_back(std::make_shared<at::AutoGradMode>(true));
    },
};

}  // namespace tb::passes
