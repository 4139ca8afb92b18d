#pragma once
// Dynamic quantization of the Linear layers of a TorchScript module: the C++ counterpart of
// torch.ao.quantization.quantize_dynamic({nn.Linear}) for int8, and its float16 variant.
// Weights are quantized and packed once; activations are quantized at run time, per call.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <c10/core/QEngine.h>
#include <torch/script.h>

namespace tb::model {

enum class LinearWeights {
  int8_per_tensor,   // qint8, one symmetric scale for the whole weight matrix
  int8_per_channel,  // qint8, one symmetric scale per output feature (weight row)
  fp16,              // float16 weights, float32 activations and accumulation (fbgemm)
};

// The quantized engine to use for `kind`: `current` when it can run it, else the best of
// `supported` (x86, fbgemm, onednn, qnnpack for int8; x86 or fbgemm for fp16); nullopt when
// none can.
std::optional<c10::QEngine> pick_quantized_engine(LinearWeights kind, c10::QEngine current,
                                                  std::span<const c10::QEngine> supported);

// The engine as Python names it (torch.backends.quantized.engine): "x86", "fbgemm", ...
std::string quantized_engine_name(c10::QEngine engine);

// Why this LibTorch cannot run `kind` (a quantized operator or its CPU kernel is missing, or
// no quantized engine fits), or nullopt when it can. When it can, it also makes the picked
// engine the process's current one (at::globalContext().setQEngine), so the weights are
// packed for the engine that runs them.
std::optional<std::string> quantization_unsupported(LinearWeights kind);

struct QuantizedLinears {
  torch::jit::Module module;  // frozen; the quantized layers hold packed weights as constants
  int quantized = 0;          // Linear layers rewritten
  // Linear layers left in float32, each as "NAME (why)", e.g. a weight that is computed at
  // run time rather than a constant.
  std::vector<std::string> kept;
};

// Freezes `module` when it is not frozen yet (parameters become graph constants), then
// replaces every Linear whose weight is a float32 constant with the dynamic quantized op:
//   aten::linear(x, W, b)                  (nn.Linear, F.linear, traced and scripted models)
//   aten::matmul(x, Wt) [+ aten::add(., b)] (what optimize_for_inference makes of a Linear)
//   aten::addmm(b, x, Wt)                   (Linear in old traces)
// becomes quantized::linear_dynamic(x, packed, reduce_range) for int8 and
// quantized::linear_dynamic_fp16(x, packed) for fp16. The packed weights are
// LinearPackedParamsBase constants, which Module::save serializes. Call
// quantization_unsupported first. Throws what LibTorch throws when packing fails.
QuantizedLinears quantize_linear_dynamic(const torch::jit::Module& module, LinearWeights kind);

}  // namespace tb::model
