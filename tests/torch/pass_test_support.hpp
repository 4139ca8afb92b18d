#pragma once
// Applying passes to a model in this process, the way the worker does, for the pass tests.
#include <memory>
#include <string>
#include <vector>

#include "core/model_ref.hpp"
#include "core/variant_spec.hpp"
#include "model/builtin_models.hpp"
#include "model/inputs.hpp"
#include "model/model.hpp"
#include "model/outputs.hpp"
#include "model/torchscript_model.hpp"
#include "passes/pass.hpp"

namespace tbtest {

// A model with its generated inputs and the pass context pointing at both.
class PassedModel {
 public:
  explicit PassedModel(std::unique_ptr<tb::model::Model> model, std::uint64_t seed = 5)
      : model_(std::move(model)), seed_(seed) {
    context.model = model_.get();
    context.inputs = model_->declared_inputs();
    values = tb::model::make_inputs(context.inputs, seed_, context.device);
    context.input_values = &values;
  }
  PassedModel(const PassedModel&) = delete;
  PassedModel& operator=(const PassedModel&) = delete;

  // Applies the passes ("freeze,trace") of stages inputs, model and execution, in the
  // worker's order: inputs are generated again after stage inputs.
  PassedModel& apply(const std::string& passes) {
    const auto specs = tb::parse_pass_list(passes);
    tb::passes::apply_stage(tb::passes::Stage::inputs, specs, context);
    values = tb::model::make_inputs(context.inputs, seed_, context.device);
    tb::passes::apply_stage(tb::passes::Stage::model, specs, context);
    tb::passes::apply_stage(tb::passes::Stage::execution, specs, context);
    return *this;
  }

  // The first output tensor of one call (autograd off), inside the execution scopes.
  at::Tensor run() {
    at::NoGradGuard no_grad;
    return tb::model::flatten_outputs(model_->run(values)).at(0);
  }

  torch::jit::Module& module() { return *model_->torchscript(); }
  std::shared_ptr<torch::jit::Graph> graph() { return module().get_method("forward").graph(); }

  tb::passes::VariantContext context;
  std::vector<c10::IValue> values;

 private:
  std::unique_ptr<tb::model::Model> model_;
  std::uint64_t seed_;
};

inline std::unique_ptr<tb::model::Model> builtin(const std::string& name, tb::model::BuiltinParams params = {},
                                                 std::uint64_t seed = 3) {
  tb::ModelRef ref;
  ref.kind = tb::ModelRef::Kind::builtin;
  ref.name = name;
  ref.params = std::move(params);
  return tb::model::load_model(ref, seed);
}

// Small configurations of the built-ins (milliseconds per call).
inline std::unique_ptr<tb::model::Model> small_resnet() {
  return builtin("resnet18", {{"width", 8}, {"image", 32}, {"classes", 10}});
}
inline std::unique_ptr<tb::model::Model> small_transformer() {
  return builtin("transformer", {{"layers", 1}, {"hidden", 32}, {"heads", 2}, {"seq", 16}, {"vocab", 100}, {"ffn", 64}});
}
inline std::unique_ptr<tb::model::Model> small_mlp() {
  return builtin("mlp", {{"in", 32}, {"hidden", 64}, {"layers", 2}, {"out", 8}});
}

// A TorchScript model from source, with one parameter `w` [4, 4] and the given inputs.
inline std::unique_ptr<tb::model::Model> scripted(const std::string& source, const std::vector<std::string>& inputs) {
  torch::jit::Module module("__torch__.tbtest.Scripted");
  module.register_parameter("w", at::eye(4) * 2 + at::ones({4, 4}), /*is_buffer=*/false);
  module.register_attribute("training", c10::BoolType::get(), false);
  module.define(source);
  std::vector<tb::InputSpec> specs;
  for (const auto& text : inputs) specs.push_back(tb::parse_input_spec(text));
  return std::make_unique<tb::model::TorchScriptModel>(module, specs, "builtin");
}

// The node kinds of a graph (nested blocks included), e.g. "aten::matmul", "prim::If".
inline std::vector<std::string> node_kinds(const torch::jit::Block* block) {
  std::vector<std::string> kinds;
  for (const auto* node : block->nodes()) {
    kinds.emplace_back(node->kind().toQualString());
    for (const auto* inner : node->blocks()) {
      const auto nested = node_kinds(inner);
      kinds.insert(kinds.end(), nested.begin(), nested.end());
    }
  }
  return kinds;
}
inline bool has_node(const std::shared_ptr<torch::jit::Graph>& graph, const std::string& kind) {
  const auto kinds = node_kinds(graph->block());
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

}  // namespace tbtest
