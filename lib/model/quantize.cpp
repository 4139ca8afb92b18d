#include "model/quantize.hpp"

#include <ATen/Context.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/runtime/graph_iterator.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <map>
#include <utility>

namespace tb::model {

using torch::jit::Node;
using torch::jit::Value;

namespace {

bool is_fp16(LinearWeights kind) { return kind == LinearWeights::fp16; }

// Engines in order of preference on the machines we target (x86 picks fbgemm or oneDNN per
// op; fbgemm is the only one with fp16 weights).
constexpr std::array<c10::QEngine, 4> kInt8Engines = {c10::kX86, c10::kFBGEMM, c10::kONEDNN, c10::kQNNPACK};
constexpr std::array<c10::QEngine, 2> kFp16Engines = {c10::kX86, c10::kFBGEMM};

std::span<const c10::QEngine> usable_engines(LinearWeights kind) {
  if (is_fp16(kind)) return kFp16Engines;
  return kInt8Engines;
}

bool contains(std::span<const c10::QEngine> engines, c10::QEngine engine) {
  return std::find(engines.begin(), engines.end(), engine) != engines.end();
}

struct RequiredOp {
  const char* name;
  c10::DispatchKey key;  // where its kernel must be registered
};

// The boxed call of a registered operator with no overload name; returns its one output.
c10::IValue call_op(const char* name, std::vector<c10::IValue> args) {
  const auto op = c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
  torch::jit::Stack stack(std::move(args));
  op.callBoxed(stack);
  return stack.at(0);
}

// --- Matching Linear layers in a frozen graph ------------------------------------------------

// A Linear layer found in the graph: `result` produces its output; `replaced` are the nodes
// the quantized op replaces, users first.
struct LinearLayer {
  Node* result = nullptr;
  std::vector<Node*> replaced;
  // x is read when the layer is rewritten, not when it is found: when x is the output of a
  // Linear rewritten before (Linear -> Linear), the node now reads the quantized op's output.
  Node* consumer = nullptr;
  std::size_t input_index = 0;
  Value* input() const { return consumer->input(input_index); }
  at::Tensor weight;  // [out, in], float32
  c10::IValue bias;   // None or a float32 [out] tensor
  // The graph constants they come from: a layer called several times (after freezing, one
  // pooled constant) is packed once.
  std::pair<const Value*, const Value*> source;
};

std::optional<at::Tensor> constant_tensor(const Value* value) {
  const auto ivalue = torch::jit::toIValue(value);
  if (!ivalue || !ivalue->isTensor()) return std::nullopt;
  return ivalue->toTensor();
}

bool is_constant_one(const Value* value) {
  const auto ivalue = torch::jit::toIValue(value);
  return ivalue && ((ivalue->isInt() && ivalue->toInt() == 1) || (ivalue->isDouble() && ivalue->toDouble() == 1.0));
}

// Why a constant cannot be a weight we quantize; "" when it can.
std::string weight_problem(const at::Tensor& weight) {
  if (weight.layout() != at::kStrided || !weight.device().is_cpu()) return "weight is not a dense CPU tensor";
  if (weight.scalar_type() != at::kFloat) return std::string("weight is ") + c10::toString(weight.scalar_type()) + ", not float32";
  if (weight.dim() != 2) return "weight has " + std::to_string(weight.dim()) + " dimensions, not 2";
  return "";
}

bool is_bias_for(const at::Tensor& bias, std::int64_t out_features) {
  return bias.layout() == at::kStrided && bias.device().is_cpu() && bias.scalar_type() == at::kFloat &&
         bias.dim() == 1 && bias.size(0) == out_features;
}

// An input known to be 1-D (linear_dynamic needs at least 2 dimensions); unknown ranks pass.
bool known_vector(const Value* input) {
  const auto type = input->type()->cast<c10::TensorType>();
  return type && type->dim() && *type->dim() < 2;
}

// "encoder.layer_0.attention.self.query" from the frozen constant "self.encoder.....weight".
std::string layer_name(const Value* weight) {
  if (!weight->hasDebugName()) return "aten::linear";
  std::string name = weight->debugName();
  if (name.rfind("self.", 0) == 0) name.erase(0, 5);
  const std::string suffix = ".weight";
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    name.erase(name.size() - suffix.size());
  }
  return name;
}

// aten::linear(x, W, b). Layers that cannot be quantized are added to `kept` with the reason.
std::optional<LinearLayer> match_linear(Node* node, std::vector<std::string>& kept) {
  const auto weight = constant_tensor(node->input(1));
  const auto keep = [&](const std::string& why) {
    kept.push_back(layer_name(node->input(1)) + " (" + why + ")");
    return std::nullopt;
  };
  if (!weight) return keep("weight is computed at run time, not a constant");
  if (const auto problem = weight_problem(*weight); !problem.empty()) return keep(problem);
  if (known_vector(node->input(0))) return keep("input is 1-D");
  const auto bias = torch::jit::toIValue(node->input(2));
  if (!bias) return keep("bias is computed at run time, not a constant");
  if (!bias->isNone() && !(bias->isTensor() && is_bias_for(bias->toTensor(), weight->size(0)))) {
    return keep("bias is not a float32 vector of the output size");
  }
  return LinearLayer{node, {node}, node, 0, *weight, *bias, {node->input(1), node->input(2)}};
}

// aten::addmm(b, x, Wt) with beta = alpha = 1: what traces of old PyTorch versions hold.
std::optional<LinearLayer> match_addmm(Node* node) {
  const auto bias = constant_tensor(node->input(0));
  const auto transposed = constant_tensor(node->input(2));
  if (!bias || !transposed || !weight_problem(*transposed).empty()) return std::nullopt;
  if (!is_constant_one(node->namedInput("beta")) || !is_constant_one(node->namedInput("alpha"))) return std::nullopt;
  if (!is_bias_for(*bias, transposed->size(1))) return std::nullopt;
  return LinearLayer{node, {node}, node, 1, transposed->t().contiguous(), *bias, {node->input(2), node->input(0)}};
}

// aten::matmul(x, Wt), with the bias folded in when its only use is aten::add(., b): what
// optimize_for_inference (FrozenLinearTranspose) makes of aten::linear.
std::optional<LinearLayer> match_matmul(Node* node) {
  const auto transposed = constant_tensor(node->input(1));
  if (!transposed || !weight_problem(*transposed).empty() || known_vector(node->input(0))) return std::nullopt;
  LinearLayer layer{node, {node}, node, 0, transposed->t().contiguous(), c10::IValue(), {node->input(1), nullptr}};
  const auto& uses = node->output()->uses();
  if (uses.size() != 1) return layer;
  Node* add = uses[0].user;
  if (!add->matches("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor") ||
      !is_constant_one(add->namedInput("alpha"))) {
    return layer;
  }
  const Value* bias_value = add->input(uses[0].offset == 0 ? 1 : 0);
  const auto bias = constant_tensor(bias_value);
  if (!bias || !is_bias_for(*bias, transposed->size(1))) return layer;
  return LinearLayer{add, {add, node}, node, 0, layer.weight, *bias, {node->input(1), bias_value}};
}

std::vector<LinearLayer> find_linear_layers(std::shared_ptr<torch::jit::Graph> graph,
                                            std::vector<std::string>& kept) {
  std::vector<LinearLayer> layers;
  torch::jit::DepthFirstGraphNodeIterator it(graph);
  for (Node* node = it.next(); node != nullptr; node = it.next()) {
    std::optional<LinearLayer> layer;
    if (node->matches("aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor")) {
      layer = match_linear(node, kept);
    } else if (node->matches("aten::matmul(Tensor self, Tensor other) -> Tensor")) {
      layer = match_matmul(node);
    } else if (node->matches(
                   "aten::addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor")) {
      layer = match_addmm(node);
    }
    if (layer) layers.push_back(std::move(*layer));
  }
  return layers;
}

// --- Quantizing and packing one weight --------------------------------------------------------

// Symmetric int8: the largest magnitude (of the matrix, or of each row) maps to 127, zero to 0.
// The floor keeps an all-zero row representable.
constexpr double kMinScale = std::numeric_limits<float>::epsilon();

at::Tensor quantize_weight(const at::Tensor& weight, LinearWeights kind) {
  if (kind == LinearWeights::int8_per_channel) {
    const at::Tensor scales = (weight.abs().amax(/*dim=*/1).to(at::kDouble) / 127.0).clamp_min(kMinScale);
    const at::Tensor zero_points = at::zeros({weight.size(0)}, at::kLong);
    return at::quantize_per_channel(weight, scales, zero_points, /*axis=*/0, at::kQInt8);
  }
  const double scale = std::max(weight.abs().max().item<double>() / 127.0, kMinScale);
  return at::quantize_per_tensor(weight, scale, /*zero_point=*/0, at::kQInt8);
}

// A LinearPackedParamsBase object (a TorchScript custom class) for the current engine.
c10::IValue pack(const LinearLayer& layer, LinearWeights kind) {
  if (is_fp16(kind)) return call_op("quantized::linear_prepack_fp16", {layer.weight, layer.bias});
  return call_op("quantized::linear_prepack", {quantize_weight(layer.weight, kind), layer.bias});
}

}  // namespace

std::optional<c10::QEngine> pick_quantized_engine(LinearWeights kind, c10::QEngine current,
                                                  std::span<const c10::QEngine> supported) {
  const auto usable = usable_engines(kind);
  if (contains(usable, current) && contains(supported, current)) return current;
  for (const auto engine : usable) {
    if (contains(supported, engine)) return engine;
  }
  return std::nullopt;
}

std::string quantized_engine_name(c10::QEngine engine) {
  std::string name = c10::toString(engine);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::optional<std::string> quantization_unsupported(LinearWeights kind) {
  const std::array<RequiredOp, 2> ops =
      is_fp16(kind) ? std::array<RequiredOp, 2>{{{"quantized::linear_prepack_fp16", c10::DispatchKey::CPU},
                                                 {"quantized::linear_dynamic_fp16", c10::DispatchKey::CPU}}}
                    : std::array<RequiredOp, 2>{{{"quantized::linear_prepack", c10::DispatchKey::QuantizedCPU},
                                                 {"quantized::linear_dynamic", c10::DispatchKey::CPU}}};
  for (const auto& op : ops) {
    const auto handle = c10::Dispatcher::singleton().findSchema({op.name, ""});
    if (!handle) return std::string("this LibTorch has no ") + op.name + " operator (built without quantization)";
    if (!handle->hasKernelForDispatchKey(op.key)) {
      return std::string("this LibTorch has no ") + c10::toString(op.key) + " kernel for " + op.name;
    }
  }
  auto& context = at::globalContext();
  const auto& supported = context.supportedQEngines();
  const auto engine = pick_quantized_engine(kind, context.qEngine(), supported);
  if (!engine) {
    std::string names;
    for (const auto e : supported) {
      if (e != c10::kNoQEngine) names += (names.empty() ? "" : ", ") + quantized_engine_name(e);
    }
    return std::string("this LibTorch has no quantized engine for ") +
           (is_fp16(kind) ? "fp16 weights (they need fbgemm: an x86 CPU with AVX2)"
                          : "int8 (fbgemm, x86, onednn or qnnpack)") +
           "; it has " + (names.empty() ? "none" : names);
  }
  if (*engine != context.qEngine()) context.setQEngine(*engine);
  return std::nullopt;
}

QuantizedLinears quantize_linear_dynamic(const torch::jit::Module& module, LinearWeights kind) {
  // A module still has its `training` attribute until it is frozen (optimize_for_inference
  // tells frozen modules apart the same way). A frozen one is cloned: the caller's stays as is.
  const bool frozen = !module.type()->hasAttribute("training");
  QuantizedLinears result{frozen ? module.clone() : torch::jit::freeze(module), 0, {}};
  const auto graph = result.module.get_method("forward").graph();

  // fbgemm quantizes activations to 7 bits so that its int8 multiply-adds cannot saturate on
  // CPUs without VNNI; Python's quantize_dynamic passes reduce_range=True for the same reason.
  const auto engine = at::globalContext().qEngine();
  const bool reduce_range = engine == c10::kX86 || engine == c10::kFBGEMM;

  std::map<std::pair<const Value*, const Value*>, Value*> packed_constants;
  for (const auto& layer : find_linear_layers(graph, result.kept)) {
    Value*& packed = packed_constants[layer.source];
    if (!packed) {
      // At the top of the graph, so that it dominates every use, in any block.
      torch::jit::WithInsertPoint top(graph->block()->nodes().front());
      packed = graph->insertConstant(pack(layer, kind));
    }
    torch::jit::WithInsertPoint guard(layer.result);
    Value* output = is_fp16(kind)
                        ? graph->insert(c10::Symbol::fromQualString("quantized::linear_dynamic_fp16"), {layer.input(), packed})
                        : graph->insert(c10::Symbol::fromQualString("quantized::linear_dynamic"),
                                        {layer.input(), packed, reduce_range});
    layer.result->output()->replaceAllUsesWith(output);
    for (Node* node : layer.replaced) node->destroy();
    ++result.quantized;
  }
  // The float32 weights are no longer used: drop them, so the saved module holds only the
  // packed ones.
  torch::jit::EliminateDeadCode(graph);
  return result;
}

}  // namespace tb::model
