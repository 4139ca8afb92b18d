#pragma once
// What the two dynamic quantization passes (int8-dynamic, fp16-dynamic) share.
#include <array>
#include <string_view>

#include "model/quantize.hpp"
#include "passes/pass.hpp"

namespace tb::passes {

// Both exclude each other (one group) and the passes that change the model's float dtype:
// the quantized Linear ops take float32 activations and weights.
inline constexpr std::string_view kQuantizationGroup = "quantization";
inline constexpr std::array<std::string_view, 3> kQuantizationConflicts = {"bf16", "fp16", "autocast"};
inline constexpr std::string_view kQuantizationConflictReason =
    "dynamic quantization rewrites float32 Linear layers and runs them on float32 activations";

// Probes this LibTorch, freezes the model if needed, rewrites its Linear layers and adds a
// note on what it did. Throws Unsupported (the variant is skipped) when this LibTorch cannot
// run the quantized ops or when the model has no Linear layer to quantize.
void apply_dynamic_quantization(VariantContext& context, std::string_view pass, model::LinearWeights kind);

}  // namespace tb::passes
