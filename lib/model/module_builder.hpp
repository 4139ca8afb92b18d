#pragma once
// Shared machinery for the built-in model builders: a seeded tensor source, a factory for
// TorchScript modules defined from C++ (with identical submodules sharing one class, as in a
// scripted Python model), the common layers, and hyper-parameter validation.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <torch/script.h>

#include "model/builtin_models.hpp"

namespace tb::model {

// One attribute of a module under construction.
struct Member {
  enum class Kind { parameter, buffer, submodule };
  std::string name;
  Kind kind;
  std::variant<at::Tensor, torch::jit::Module> value;
};
Member param(std::string name, at::Tensor value);  // made to require grad
Member buffer(std::string name, at::Tensor value);
Member child(std::string name, torch::jit::Module value);

class ModuleBuilder {
 public:
  explicit ModuleBuilder(std::uint64_t seed);

  // float32 tensors drawn from the builder's own generator, in call order, so a build is
  // a pure function of its seed regardless of the global RNG.
  at::Tensor normal(at::IntArrayRef shape, double std, double mean = 0.0);
  at::Tensor uniform(at::IntArrayRef shape, double low, double high);
  static at::Tensor zeros(at::IntArrayRef shape);
  static at::Tensor ones(at::IntArrayRef shape);

  // A module of class `__torch__.torchbench.<cls>` with the given members, a `training`
  // attribute (false) and the TorchScript method(s) in `source`. Calls with the same class,
  // source and member layout reuse one class type instead of minting a mangled copy.
  // In `source`, call a child as `self.name.forward(x)`: `self.name(x)` does not compile
  // for modules defined from C++.
  torch::jit::Module make(const std::string& cls, const std::vector<Member>& members,
                          const std::string& source);

  // nn.Linear: y = x W^T + b with weight [out, in].
  torch::jit::Module linear(at::Tensor weight, at::Tensor bias);
  // nn.Linear with PyTorch's default init (uniform +-1/sqrt(in) for weight and bias).
  torch::jit::Module default_linear(std::int64_t in, std::int64_t out);
  // nn.LayerNorm over the last dimension: weight 1, bias 0.
  torch::jit::Module layer_norm(std::int64_t features, double eps);

 private:
  std::shared_ptr<torch::jit::CompilationUnit> cu_;
  at::Generator gen_;
  std::map<std::string, c10::ClassTypePtr> types_;
};

// A TorchScript float literal that round-trips exactly (always has a '.' or exponent).
std::string float_literal(double value);

// params[key], checked to be >= min; throws std::invalid_argument naming model and key.
std::int64_t param_at_least(const BuiltinParams& params, std::string_view model,
                            const std::string& key, std::int64_t min);

}  // namespace tb::model
