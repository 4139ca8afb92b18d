// `bf16`: the whole model in bfloat16: floating weights and buffers cast once, floating
// inputs cast (integer inputs such as token ids stay int). Fast where the CPU has native
// bf16 matrix units (AVX512-BF16, AMX); elsewhere oneDNN emulates it. Outputs are compared
// with the float32 baseline, so the accuracy columns show what the cast costs.
#include "passes/precision.hpp"

namespace tb::passes {

extern const PassInfo kBf16Pass = {
    .name = "bf16",
    .summary = "model and floating inputs in bfloat16 (module.to(torch.bfloat16))",
    .stage = Stage::model,
    .group = kPrecisionGroup,
    .needs_torchscript = true,
    .conflicts = kPrecisionConflicts,
    .conflict_reason = kPrecisionConflictReason,
    .apply = [](VariantContext& context, const PassSpec&) { cast_model_and_inputs(context, "bf16", DType::bfloat16); },
};

}  // namespace tb::passes
