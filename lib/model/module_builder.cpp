#include "model/module_builder.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>

namespace tb::model {

namespace {

at::TensorOptions f32() { return at::TensorOptions().dtype(at::kFloat); }

// Identifies a class type: two modules may share one only when the code and every
// attribute (including the class of each child) agree.
std::string type_key(const std::string& cls, const std::vector<Member>& members,
                     const std::string& source) {
  std::string key = cls + '\n' + source;
  for (const Member& m : members) {
    key += '\n' + m.name + ':' + std::to_string(static_cast<int>(m.kind));
    if (m.kind == Member::Kind::submodule) {
      key += ':' + std::get<torch::jit::Module>(m.value).type()->name()->qualifiedName();
    }
  }
  return key;
}

}  // namespace

Member param(std::string name, at::Tensor value) {
  value.set_requires_grad(true);
  return {std::move(name), Member::Kind::parameter, std::move(value)};
}
Member buffer(std::string name, at::Tensor value) {
  return {std::move(name), Member::Kind::buffer, std::move(value)};
}
Member child(std::string name, torch::jit::Module value) {
  return {std::move(name), Member::Kind::submodule, std::move(value)};
}

ModuleBuilder::ModuleBuilder(std::uint64_t seed)
    : cu_(std::make_shared<torch::jit::CompilationUnit>()),
      gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

at::Tensor ModuleBuilder::normal(at::IntArrayRef shape, double std, double mean) {
  return at::empty(shape, f32()).normal_(mean, std, gen_);
}
at::Tensor ModuleBuilder::uniform(at::IntArrayRef shape, double low, double high) {
  return at::empty(shape, f32()).uniform_(low, high, gen_);
}
at::Tensor ModuleBuilder::zeros(at::IntArrayRef shape) { return at::zeros(shape, f32()); }
at::Tensor ModuleBuilder::ones(at::IntArrayRef shape) { return at::ones(shape, f32()); }

torch::jit::Module ModuleBuilder::make(const std::string& cls, const std::vector<Member>& members,
                                       const std::string& source) {
  const std::string key = type_key(cls, members, source);
  auto cached = types_.find(key);
  // A new class is named __torch__.torchbench.<cls>, mangled only if the name is taken.
  torch::jit::Module m =
      cached != types_.end()
          ? torch::jit::Module(cu_, cached->second)
          : torch::jit::Module(c10::QualifiedName("__torch__.torchbench." + cls), cu_, true);
  // eval(), train() and freeze() all expect every module to carry `training`.
  m.register_attribute("training", c10::BoolType::get(), false);
  for (const Member& member : members) {
    switch (member.kind) {
      case Member::Kind::parameter:
        m.register_parameter(member.name, std::get<at::Tensor>(member.value), false);
        break;
      case Member::Kind::buffer:
        m.register_buffer(member.name, std::get<at::Tensor>(member.value));
        break;
      case Member::Kind::submodule:
        m.register_module(member.name, std::get<torch::jit::Module>(member.value));
        break;
    }
  }
  if (cached == types_.end()) {
    m.define(source);  // methods live on the class, so only the first instance compiles them
    types_.emplace(key, m.type());
  }
  return m;
}

torch::jit::Module ModuleBuilder::linear(at::Tensor weight, at::Tensor bias) {
  return make("Linear", {param("weight", std::move(weight)), param("bias", std::move(bias))},
              R"(
def forward(self, x):
    return torch.linear(x, self.weight, self.bias)
)");
}

torch::jit::Module ModuleBuilder::default_linear(std::int64_t in, std::int64_t out) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  at::Tensor weight = uniform({out, in}, -bound, bound);
  return linear(weight, uniform({out}, -bound, bound));
}

torch::jit::Module ModuleBuilder::layer_norm(std::int64_t features, double eps) {
  return make("LayerNorm", {param("weight", ones({features})), param("bias", zeros({features}))},
              "\ndef forward(self, x):\n"
              "    return torch.layer_norm(x, [" + std::to_string(features) + "], self.weight, "
              "self.bias, " + float_literal(eps) + ")\n");
}

std::string float_literal(double value) {
  // The shortest of 15..17 significant digits that reads back as the same double.
  char text[32];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  std::string out = text;
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

std::int64_t param_at_least(const BuiltinParams& params, std::string_view model,
                            const std::string& key, std::int64_t min) {
  auto it = params.find(key);
  if (it == params.end()) {
    throw std::invalid_argument(std::string(model) + ": missing parameter '" + key + "'");
  }
  if (it->second < min) {
    throw std::invalid_argument(std::string(model) + ": " + key + " (" +
                                std::to_string(it->second) + ") must be at least " +
                                std::to_string(min));
  }
  return it->second;
}

}  // namespace tb::model
