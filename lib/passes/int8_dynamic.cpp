// `int8-dynamic[=per-tensor|per-channel]`: torch.ao.quantization.quantize_dynamic for
// nn.Linear. Weights are quantized to int8 once (symmetric, one scale per matrix or per
// output row); activations are quantized per call from their observed range (fbgemm on x86).
#include <array>

#include "passes/dynamic_quantization.hpp"

namespace tb::passes {
namespace {

constexpr std::array<std::string_view, 2> kGranularities = {"per-tensor", "per-channel"};

}  // namespace

extern const PassInfo kInt8DynamicPass = {
    .name = "int8-dynamic",
    .summary = "dynamic int8 quantization of Linear layers (quantize_dynamic; fbgemm on x86)",
    .stage = Stage::model,
    .value = ValueKind::choice,
    .choices = kGranularities,
    .default_value = "per-tensor",
    .group = kQuantizationGroup,
    .needs_torchscript = true,
    .device = "cpu",
    .conflicts = kQuantizationConflicts,
    .conflict_reason = kQuantizationConflictReason,
    .apply = [](VariantContext& context, const PassSpec& pass) {
      const auto kind = choice_value(pass) == "per-channel" ? model::LinearWeights::int8_per_channel
                                                            : model::LinearWeights::int8_per_tensor;
      apply_dynamic_quantization(context, "int8-dynamic", kind);
    },
};

}  // namespace tb::passes
