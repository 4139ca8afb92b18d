#include "model/builtin_models.hpp"

#include <array>

namespace tb::model {

namespace {

// Built on first use: BuiltinParams is a std::map, so the rows cannot be constexpr.
const std::array<BuiltinModelInfo, 3>& table() {
  static const std::array<BuiltinModelInfo, 3> rows = {{
      {"transformer",
       "BERT-style transformer encoder (embeddings, multi-head attention, LayerNorm, GELU FFN)",
       {{"layers", 4}, {"hidden", 256}, {"heads", 4}, {"seq", 128}, {"vocab", 30522},
        {"ffn", 1024}},
       &build_transformer},
      {"resnet18", "ResNet-18 CNN (conv/BatchNorm/ReLU basic blocks, global pooling, classifier)",
       {{"width", 64}, {"image", 224}, {"classes", 1000}},
       &build_resnet18},
      {"mlp", "Multi-layer perceptron (Linear+ReLU hidden layers, linear output)",
       {{"in", 256}, {"hidden", 1024}, {"layers", 3}, {"out", 10}},
       &build_mlp},
  }};
  return rows;
}

}  // namespace

std::span<const BuiltinModelInfo> builtin_model_table() { return table(); }

const BuiltinModelInfo* find_builtin_model(std::string_view name) {
  for (const BuiltinModelInfo& info : table()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

}  // namespace tb::model
