// `fp16-dynamic`: Linear layers with float16 weights (quantize_dynamic with
// dtype=torch.float16): fbgemm keeps the weights packed in fp16 and computes in float32.
#include "passes/dynamic_quantization.hpp"

namespace tb::passes {

extern const PassInfo kFp16DynamicPass = {
    .name = "fp16-dynamic",
    .summary = "Linear layers with fp16 packed weights, fp32 compute (quantize_dynamic float16; fbgemm)",
    .stage = Stage::model,
    .group = kQuantizationGroup,
    .needs_torchscript = true,
    .device = "cpu",
    .conflicts = kQuantizationConflicts,
    .conflict_reason = kQuantizationConflictReason,
    .apply = [](VariantContext& context, const PassSpec&) {
      apply_dynamic_quantization(context, "fp16-dynamic", model::LinearWeights::fp16);
    },
};

}  // namespace tb::passes
