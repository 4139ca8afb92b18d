#pragma once
// What the two whole-model precision passes (bf16, fp16) share.
#include <array>
#include <string_view>

#include "core/dtype.hpp"
#include "passes/pass.hpp"

namespace tb::passes {

// One precision at a time; autocast chooses per op from float32 weights, which these passes
// no longer have.
inline constexpr std::string_view kPrecisionGroup = "precision";
inline constexpr std::array<std::string_view, 1> kPrecisionConflicts = {"autocast"};
inline constexpr std::string_view kPrecisionConflictReason =
    "autocast picks a dtype per op from float32 weights; with the whole model cast there is nothing left to choose";

// Casts every floating tensor the model holds and every floating input to `dtype` (integer
// tensors such as token ids and position tables stay as they are), and records the new
// dtype in the input specs. Throws when nothing in the model is floating.
void cast_model_and_inputs(VariantContext& context, std::string_view pass, DType dtype);

}  // namespace tb::passes
