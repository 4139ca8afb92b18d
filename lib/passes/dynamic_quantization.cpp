#include "passes/dynamic_quantization.hpp"

#include <ATen/Context.h>

#include <algorithm>
#include <span>
#include <string>

#include "model/model.hpp"
#include "util/strings.hpp"

namespace tb::passes {
namespace {

const char* describe(model::LinearWeights kind) {
  switch (kind) {
    case model::LinearWeights::int8_per_tensor: return "int8 per-tensor";
    case model::LinearWeights::int8_per_channel: return "int8 per-channel";
    case model::LinearWeights::fp16: return "fp16";
  }
  return "";
}

// The first few layers left in float32, and how many more.
std::string kept_list(const std::vector<std::string>& kept) {
  constexpr std::size_t kShown = 3;
  std::string text = join(std::span(kept).first(std::min(kShown, kept.size())), ", ");
  if (kept.size() > kShown) text += " and " + std::to_string(kept.size() - kShown) + " more";
  return text;
}

}  // namespace

void apply_dynamic_quantization(VariantContext& context, std::string_view pass, model::LinearWeights kind) {
  const std::string name(pass);
  if (const auto reason = model::quantization_unsupported(kind)) throw Unsupported(name + ": " + *reason);
  auto& model = *context.model;
  auto quantized = model::quantize_linear_dynamic(*model.torchscript(), kind);
  if (quantized.quantized == 0) {
    throw Unsupported(name + ": the model has no Linear layer with a constant float32 weight to quantize" +
                      (quantized.kept.empty() ? "" : "; kept in float32: " + kept_list(quantized.kept)));
  }
  std::string note = name + ": " + std::to_string(quantized.quantized) + " Linear layer" +
                     (quantized.quantized == 1 ? "" : "s") + " to " + describe(kind) + " (engine " +
                     model::quantized_engine_name(at::globalContext().qEngine()) + ")";
  if (!quantized.kept.empty()) {
    note += "; " + std::to_string(quantized.kept.size()) + " kept in float32: " + kept_list(quantized.kept);
  }
  context.notes.push_back(std::move(note));
  model.set_torchscript(std::move(quantized.module));
}

}  // namespace tb::passes
