// Dynamic quantization (model/quantize.cpp and the int8-dynamic / fp16-dynamic passes): the
// engine choice, the graph rewrite on built-in models in every pass order, accuracy against
// float32, per-channel against per-tensor, serialization, and the pass table rows.
#include <ATen/Context.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include <array>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "core/model_ref.hpp"
#include "core/variant_spec.hpp"
#include "model/inputs.hpp"
#include "model/model.hpp"
#include "model/module_builder.hpp"
#include "model/outputs.hpp"
#include "model/quantize.hpp"
#include "model/torchscript_model.hpp"
#include "passes/pass.hpp"

using tb::model::LinearWeights;
using tb::model::pick_quantized_engine;

namespace {

tb::ModelRef builtin(const std::string& name, tb::model::BuiltinParams params) {
  tb::ModelRef ref;
  ref.kind = tb::ModelRef::Kind::builtin;
  ref.name = name;
  ref.params = std::move(params);
  return ref;
}

// Small enough to build and run in a moment; Linear layers dominate both.
tb::ModelRef small_transformer() {
  return builtin("transformer", {{"layers", 2}, {"hidden", 64}, {"heads", 2}, {"seq", 16}, {"vocab", 100}, {"ffn", 128}});
}
tb::ModelRef small_mlp() { return builtin("mlp", {{"in", 64}, {"hidden", 128}, {"layers", 2}, {"out", 10}}); }

int count_nodes(const torch::jit::Module& module, const char* kind) {
  int count = 0;
  for (const auto* node : module.get_method("forward").graph()->nodes()) {
    if (node->kind() == c10::Symbol::fromQualString(kind)) ++count;
  }
  return count;
}

at::Tensor run_once(torch::jit::Module& module, const std::vector<c10::IValue>& inputs) {
  c10::InferenceMode guard;
  return tb::model::flatten_outputs(module.forward(inputs)).at(0);
}

double cosine(const at::Tensor& actual, const at::Tensor& reference) {
  const auto comparison = tb::model::compare_outputs({actual}, {reference});
  REQUIRE(comparison.stats.has_value());
  return comparison.stats->cosine;
}

// Applies a variant's model-stage passes to a freshly built model, returns the context.
struct Applied {
  std::unique_ptr<tb::model::Model> model;
  tb::passes::VariantContext context;
};
Applied apply_model_passes(const tb::ModelRef& ref, const std::string& variant) {
  Applied applied{tb::model::load_model(ref, 7), {}};
  applied.context.model = applied.model.get();
  applied.context.inputs = applied.model->declared_inputs();
  const auto spec = tb::parse_variant(variant);
  tb::passes::validate_variant(spec);
  tb::passes::apply_stage(tb::passes::Stage::model, spec.passes, applied.context);
  return applied;
}

// y = x W^T + b for one Linear, as a module of its own.
torch::jit::Module linear_module(const at::Tensor& weight, const at::Tensor& bias) {
  tb::model::ModuleBuilder b(1);
  auto net = b.make("Net", {tb::model::child("fc", b.linear(weight, bias))}, R"(
def forward(self, x):
    return self.fc.forward(x)
)");
  net.eval();
  return net;
}

std::size_t saved_size(const torch::jit::Module& module) {
  std::ostringstream out;
  module.save(out);
  return out.str().size();
}

}  // namespace

TEST_CASE("pick_quantized_engine keeps a usable current engine, else picks the best supported", "[quantize]") {
  using E = c10::QEngine;
  const std::array<E, 4> all = {c10::kONEDNN, c10::kX86, c10::kFBGEMM, c10::kQNNPACK};
  CHECK(pick_quantized_engine(LinearWeights::int8_per_tensor, c10::kX86, all) == c10::kX86);
  CHECK(pick_quantized_engine(LinearWeights::int8_per_tensor, c10::kONEDNN, all) == c10::kONEDNN);
  CHECK(pick_quantized_engine(LinearWeights::int8_per_channel, c10::kNoQEngine, all) == c10::kX86);
  const std::array<E, 1> arm = {c10::kQNNPACK};
  CHECK(pick_quantized_engine(LinearWeights::int8_per_tensor, c10::kNoQEngine, arm) == c10::kQNNPACK);
  // fp16 weights need fbgemm: a current qnnpack engine is switched, and without fbgemm there is none.
  const std::array<E, 2> with_fbgemm = {c10::kQNNPACK, c10::kFBGEMM};
  CHECK(pick_quantized_engine(LinearWeights::fp16, c10::kQNNPACK, with_fbgemm) == c10::kFBGEMM);
  const std::array<E, 2> no_fbgemm = {c10::kONEDNN, c10::kQNNPACK};
  CHECK_FALSE(pick_quantized_engine(LinearWeights::fp16, c10::kQNNPACK, no_fbgemm).has_value());
  CHECK_FALSE(pick_quantized_engine(LinearWeights::int8_per_tensor, c10::kNoQEngine, std::span<const E>{}).has_value());
  // A current engine this build does not support is not kept.
  CHECK(pick_quantized_engine(LinearWeights::int8_per_tensor, c10::kFBGEMM, arm) == c10::kQNNPACK);
}

TEST_CASE("the LibTorch we build against runs both kinds, on an engine it supports", "[quantize]") {
  for (const auto kind : {LinearWeights::int8_per_tensor, LinearWeights::int8_per_channel, LinearWeights::fp16}) {
    const auto reason = tb::model::quantization_unsupported(kind);
    INFO((reason ? *reason : "supported"));
    REQUIRE_FALSE(reason.has_value());
    const auto& supported = at::globalContext().supportedQEngines();
    const auto engine = at::globalContext().qEngine();
    CHECK(std::find(supported.begin(), supported.end(), engine) != supported.end());
    CHECK(pick_quantized_engine(kind, engine, supported) == engine);
  }
}

TEST_CASE("int8 rewrites every Linear of the MLP and stays close to float32", "[quantize]") {
  REQUIRE_FALSE(tb::model::quantization_unsupported(LinearWeights::int8_per_tensor));
  auto model = tb::model::load_model(small_mlp(), 3);
  const auto inputs = tb::model::make_inputs(model->declared_inputs(), 11, c10::Device(c10::kCPU));
  const auto reference = run_once(*model->torchscript(), inputs);
  const auto before = count_nodes(*model->torchscript(), "prim::CallMethod");

  for (const auto kind : {LinearWeights::int8_per_tensor, LinearWeights::int8_per_channel}) {
    auto quantized = tb::model::quantize_linear_dynamic(*model->torchscript(), kind);
    CHECK(quantized.quantized == 3);  // fc0, fc1, head
    CHECK(quantized.kept.empty());
    CHECK(count_nodes(quantized.module, "quantized::linear_dynamic") == 3);
    CHECK(count_nodes(quantized.module, "aten::linear") == 0);
    CHECK(cosine(run_once(quantized.module, inputs), reference) >= 0.99);
  }
  // The caller's module is untouched (not frozen, still calls its Linear submodules).
  CHECK(count_nodes(*model->torchscript(), "prim::CallMethod") == before);
  CHECK(model->torchscript()->type()->hasAttribute("training"));
}

TEST_CASE("int8 and fp16 on the transformer, in every order with freeze and optimize", "[quantize]") {
  // 2 layers x (query, key, value, attention output, intermediate, output).
  constexpr int kLinears = 12;
  auto reference_model = tb::model::load_model(small_transformer(), 7);
  const auto inputs = tb::model::make_inputs(reference_model->declared_inputs(), 5, c10::Device(c10::kCPU));
  const auto reference = run_once(*reference_model->torchscript(), inputs);

  struct Case {
    const char* variant;
    const char* op;
    double min_cosine;
  };
  for (const auto& c : {Case{"v=int8-dynamic", "quantized::linear_dynamic", 0.99},
                        Case{"v=int8-dynamic=per-channel", "quantized::linear_dynamic", 0.99},
                        Case{"v=freeze,int8-dynamic", "quantized::linear_dynamic", 0.99},
                        Case{"v=optimize,int8-dynamic", "quantized::linear_dynamic", 0.99},
                        Case{"v=int8-dynamic,optimize", "quantized::linear_dynamic", 0.99},
                        Case{"v=fp16-dynamic", "quantized::linear_dynamic_fp16", 0.9999},
                        Case{"v=optimize,fp16-dynamic", "quantized::linear_dynamic_fp16", 0.9999}}) {
    INFO(c.variant);
    auto applied = apply_model_passes(small_transformer(), c.variant);
    auto& module = *applied.model->torchscript();
    CHECK(count_nodes(module, c.op) == kLinears);
    CHECK(count_nodes(module, "aten::linear") == 0);
    // Only the two attention matmuls per layer remain (optimize turns Linears into matmuls).
    CHECK(count_nodes(module, "aten::matmul") == 2 * 2);
    REQUIRE(applied.context.notes.size() == 1);
    CHECK_THAT(applied.context.notes[0], tbtest::contains("12 Linear layers to "));
    CHECK(cosine(run_once(module, inputs), reference) >= c.min_cosine);
  }
}

TEST_CASE("per-channel scales beat one per-tensor scale when rows differ in range", "[quantize]") {
  // Rows scaled from 1e-3 to 1: one scale for the whole matrix rounds the small rows to
  // almost nothing, a scale per row keeps them.
  tb::model::ModuleBuilder b(21);
  const auto row_scale = at::logspace(-3, 0, 32, 10.0, at::kFloat).unsqueeze(1);
  const auto weight = b.normal({32, 48}, 1.0) * row_scale;
  auto net = linear_module(weight, tb::model::ModuleBuilder::zeros({32}));
  const auto x = b.normal({64, 48}, 1.0);
  const auto reference = run_once(net, {x});

  // Mean over output features of the relative error of that feature.
  const auto relative_error = [&](LinearWeights kind) {
    auto quantized = tb::model::quantize_linear_dynamic(net, kind);
    REQUIRE(quantized.quantized == 1);
    const auto out = run_once(quantized.module, {x});
    return ((out - reference).norm(2, {0}) / reference.norm(2, {0})).mean().item<double>();
  };
  const double per_tensor = relative_error(LinearWeights::int8_per_tensor);
  const double per_channel = relative_error(LinearWeights::int8_per_channel);
  INFO("per-tensor " << per_tensor << ", per-channel " << per_channel);
  CHECK(per_channel < per_tensor);
  CHECK(per_channel < 0.05);
}

TEST_CASE("the quantized module saves smaller, reloads and runs the same", "[quantize]") {
  auto model = tb::model::load_model(builtin("mlp", {{"in", 256}, {"hidden", 512}, {"layers", 2}, {"out", 16}}), 3);
  const auto inputs = tb::model::make_inputs(model->declared_inputs(), 1, c10::Device(c10::kCPU));
  const auto fp32 = torch::jit::freeze(*model->torchscript());
  const auto fp32_size = saved_size(fp32);

  for (const auto kind : {LinearWeights::int8_per_tensor, LinearWeights::int8_per_channel, LinearWeights::fp16}) {
    INFO(static_cast<int>(kind));
    auto quantized = tb::model::quantize_linear_dynamic(*model->torchscript(), kind);
    const auto expected = run_once(quantized.module, inputs);
    std::stringstream archive;
    quantized.module.save(archive);
    const auto size = archive.str().size();
    if (kind != LinearWeights::fp16) {
      // int8 weights are a quarter of float32; scales, biases and the archive add a little.
      CHECK(size * 3 < fp32_size);
    }
    auto reloaded = torch::jit::load(archive);
    CHECK(count_nodes(reloaded, kind == LinearWeights::fp16 ? "quantized::linear_dynamic_fp16"
                                                            : "quantized::linear_dynamic") == 3);
    CHECK(at::equal(run_once(reloaded, inputs), expected));
  }
}

TEST_CASE("Linear forms other than aten::linear: addmm and matmul with a constant weight", "[quantize]") {
  tb::model::ModuleBuilder b(5);
  const auto weight_t = b.normal({24, 16}, 0.2);  // [in, out]
  auto net = b.make("Old", {tb::model::param("w_t", weight_t), tb::model::param("b", b.normal({16}, 0.1))}, R"(
def forward(self, x):
    return torch.addmm(self.b, x, self.w_t) + torch.matmul(x, self.w_t)
)");
  net.eval();
  const auto x = b.normal({4, 24}, 1.0);
  const auto reference = run_once(net, {x});
  auto quantized = tb::model::quantize_linear_dynamic(net, LinearWeights::int8_per_channel);
  CHECK(quantized.quantized == 2);
  CHECK(count_nodes(quantized.module, "aten::addmm") == 0);
  CHECK(count_nodes(quantized.module, "aten::matmul") == 0);
  CHECK(cosine(run_once(quantized.module, {x}), reference) >= 0.99);
}

TEST_CASE("a model without a quantizable Linear skips the variant with the reason", "[quantize]") {
  tb::model::ModuleBuilder b(5);
  // The weight is an input: nothing to quantize ahead of time.
  auto net = b.make("RuntimeWeight", {}, R"(
def forward(self, x, w):
    return torch.relu(torch.linear(x, w))
)");
  net.eval();
  auto quantized = tb::model::quantize_linear_dynamic(net, LinearWeights::int8_per_tensor);
  CHECK(quantized.quantized == 0);
  REQUIRE(quantized.kept.size() == 1);
  CHECK_THAT(quantized.kept[0], tbtest::contains("computed at run time"));

  // A float16 weight is named, with its dtype; the float32 layer beside it is quantized.
  auto mixed = b.make("Mixed", {tb::model::child("half", b.linear(b.normal({4, 4}, 1.0).to(at::kHalf),
                                                                   tb::model::ModuleBuilder::zeros({4}).to(at::kHalf))),
                                tb::model::child("full", b.default_linear(4, 4))},
                      R"(
def forward(self, x):
    return self.full.forward(x), self.half.forward(x.half())
)");
  mixed.eval();
  auto partly = tb::model::quantize_linear_dynamic(mixed, LinearWeights::int8_per_tensor);
  CHECK(partly.quantized == 1);
  REQUIRE(partly.kept.size() == 1);
  CHECK(partly.kept[0] == "half (weight is Half, not float32)");

  // Through the pass: Unsupported, which the worker records as a skipped variant.
  tb::model::TorchScriptModel model(net, {}, "torchscript");
  tb::passes::VariantContext context;
  context.model = &model;
  const auto passes = tb::parse_variant("v=int8-dynamic").passes;
  try {
    tb::passes::apply_stage(tb::passes::Stage::model, passes, context);
    FAIL("no Unsupported thrown");
  } catch (const tb::passes::Unsupported& e) {
    CHECK_THAT(std::string(e.what()), tbtest::contains("int8-dynamic: the model has no Linear layer"));
    CHECK_THAT(std::string(e.what()), tbtest::contains("kept in float32"));
  }
  CHECK(context.notes.empty());
}

TEST_CASE("the quantization pass rows: values, group, device and declared conflicts", "[quantize][passes]") {
  using tb::passes::validate_variant;
  const auto error = [](const std::string& variant, const char* device = "cpu") {
    return tbtest::usage_error_of([&] { validate_variant(tb::parse_variant(variant), c10::Device(device)); });
  };
  CHECK(error("v=int8-dynamic").empty());
  CHECK(error("v=int8-dynamic=per-channel,freeze,optimize,inference-mode,threads=2").empty());
  CHECK(error("v=fp16-dynamic,no-grad").empty());
  CHECK_THAT(error("v=int8-dynamic=per-row"), tbtest::contains("takes one of per-tensor, per-channel"));
  CHECK_THAT(error("v=int8-dynamic=per-chanel"), tbtest::contains("did you mean 'per-channel'"));
  CHECK_THAT(error("v=fp16-dynamic=1"), tbtest::contains("takes no value"));
  CHECK_THAT(error("v=int8-dynamic,fp16-dynamic"), tbtest::contains("int8-dynamic, fp16-dynamic exclude each other"));
  CHECK_THAT(error("v=int8-dynamic", "cuda"), tbtest::contains("works only on --device cpu"));
  CHECK_THAT(error("v=fp16-dynamic", "cuda:1"), tbtest::contains("works only on --device cpu"));
  CHECK_THAT(error("v=int8-dynamic,bf16"), tbtest::contains("int8-dynamic and bf16 cannot be combined"));
  CHECK_THAT(error("v=autocast,fp16-dynamic"), tbtest::contains("cannot be combined"));
  for (const char* name : {"int8-dynamic", "fp16-dynamic"}) {
    const auto* pass = tb::passes::find_pass(name);
    REQUIRE(pass != nullptr);
    CHECK(pass->stage == tb::passes::Stage::model);
    CHECK(pass->needs_torchscript);
    const std::vector<std::string_view> conflicts(pass->conflicts.begin(), pass->conflicts.end());
    CHECK(conflicts == std::vector<std::string_view>{"bf16", "fp16", "autocast"});
  }
  CHECK(tb::passes::usage_form(*tb::passes::find_pass("int8-dynamic")) == "int8-dynamic[=per-tensor|per-channel]");
  CHECK(tb::passes::choice_value(tb::PassSpec{"int8-dynamic", std::nullopt}) == "per-tensor");
}

TEST_CASE("Linear layers that feed each other directly", "[quantize]") {
  // Low-rank factorisations and nn.Sequential(Linear, Linear): the second layer's input is
  // the first one's output, which the rewrite replaces.
  tb::model::ModuleBuilder b(13);
  auto net = b.make("Chain", {tb::model::child("down", b.default_linear(32, 8)), tb::model::child("up", b.default_linear(8, 32)),
                              tb::model::param("proj", b.normal({32, 16}, 0.2))},
                    R"(
def forward(self, x):
    return torch.matmul(torch.matmul(self.up.forward(self.down.forward(x)), self.proj), self.proj.t())
)");
  net.eval();
  const auto x = b.normal({3, 32}, 1.0);
  const auto reference = run_once(net, {x});
  for (const char* variant : {"v=int8-dynamic", "v=optimize,int8-dynamic", "v=fp16-dynamic"}) {
    INFO(variant);
    tb::model::TorchScriptModel model(net, {}, "torchscript");
    tb::passes::VariantContext context;
    context.model = &model;
    tb::passes::apply_stage(tb::passes::Stage::model, tb::parse_variant(variant).passes, context);
    REQUIRE(context.notes.size() == 1);
    CHECK_THAT(context.notes[0], tbtest::contains(": 4 Linear layers to "));
    CHECK(count_nodes(*model.torchscript(), "aten::linear") == 0);
    CHECK(count_nodes(*model.torchscript(), "aten::matmul") == 0);
    CHECK(cosine(run_once(*model.torchscript(), {x}), reference) >= 0.99);
  }
}

TEST_CASE("a Linear layer called twice is packed once", "[quantize]") {
  tb::model::ModuleBuilder b(9);
  auto net = b.make("Twice", {tb::model::child("fc", b.default_linear(32, 32))}, R"(
def forward(self, x):
    return self.fc.forward(torch.relu(self.fc.forward(x)))
)");
  net.eval();
  const auto x = b.normal({2, 32}, 1.0);
  const auto reference = run_once(net, {x});
  auto quantized = tb::model::quantize_linear_dynamic(net, LinearWeights::int8_per_tensor);
  CHECK(quantized.quantized == 2);
  CHECK(count_nodes(quantized.module, "quantized::linear_dynamic") == 2);
  int packed_constants = 0;
  for (const auto* node : quantized.module.get_method("forward").graph()->nodes()) {
    if (node->kind() == c10::prim::Constant && node->output()->type()->cast<c10::ClassType>()) ++packed_constants;
  }
  CHECK(packed_constants == 1);
  CHECK(cosine(run_once(quantized.module, {x}), reference) >= 0.99);
}

TEST_CASE("quantized_engine_name uses Python's names", "[quantize]") {
  CHECK(tb::model::quantized_engine_name(c10::kX86) == "x86");
  CHECK(tb::model::quantized_engine_name(c10::kFBGEMM) == "fbgemm");
  CHECK(tb::model::quantized_engine_name(c10::kQNNPACK) == "qnnpack");
  CHECK(tb::model::quantized_engine_name(c10::kONEDNN) == "onednn");
}
