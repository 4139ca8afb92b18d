// `batch=N`: sets dim 0 of every input with at least one dimension to N. Generated inputs
// are row-seeded, so the first rows equal the baseline's and accuracy stays comparable.
#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kBatchPass = {
    .name = "batch",
    .summary = "batch size: sets dim 0 of every input to N",
    .stage = Stage::inputs,
    .value = ValueKind::positive_int,
    .apply = [](VariantContext& context, const PassSpec& pass) {
      for (auto& input : context.inputs) {
        if (!input.shape.empty()) input.shape[0] = int_value(pass);
      }
    },
};

}  // namespace tb::passes
