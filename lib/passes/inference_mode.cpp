// `inference-mode`: c10::InferenceMode around the timed calls (torch.inference_mode()):
// no autograd and no version-counter or view tracking on the tensors it creates.
#include <c10/core/InferenceMode.h>

#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kInferenceModePass = {
    .name = "inference-mode",
    .summary = "c10::InferenceMode (torch.inference_mode): no autograd, no version counters",
    .stage = Stage::execution,
    .group = "autograd",
    .apply = [](VariantContext& context, const PassSpec&) {
      context.scopes.push_back(std::make_shared<c10::InferenceMode>());
    },
};

}  // namespace tb::passes
