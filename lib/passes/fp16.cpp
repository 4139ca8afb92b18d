// `fp16`: the whole model in float16: floating weights and buffers cast once, floating
// inputs cast (integer inputs stay int). On a GPU this is the classic half-precision
// deployment; on a CPU float16 kernels exist for fewer ops and are often slower than
// float32 unless the CPU has AVX512-FP16 or AMX-FP16. It is measured either way.
#include "passes/precision.hpp"

namespace tb::passes {

extern const PassInfo kFp16Pass = {
    .name = "fp16",
    .summary = "model and floating inputs in float16 (module.half())",
    .stage = Stage::model,
    .group = kPrecisionGroup,
    .needs_torchscript = true,
    .conflicts = kPrecisionConflicts,
    .conflict_reason = kPrecisionConflictReason,
    .apply = [](VariantContext& context, const PassSpec&) { cast_model_and_inputs(context, "fp16", DType::float16); },
};

}  // namespace tb::passes
