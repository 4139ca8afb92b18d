// `no-grad`: torch::NoGradGuard around the timed calls (torch.no_grad()).
#include <ATen/core/grad_mode.h>

#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kNoGradPass = {
    .name = "no-grad",
    .summary = "autograd off (torch.no_grad): no graph recording, activations freed early",
    .stage = Stage::execution,
    .group = "autograd",
    .apply = [](VariantContext& context, const PassSpec&) {
      context.scopes.push_back(std::make_shared<at::NoGradGuard>());
    },
};

}  // namespace tb::passes
