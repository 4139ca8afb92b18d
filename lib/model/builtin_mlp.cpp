// "mlp": `layers` hidden Linear+ReLU layers, then an output Linear.
// Module tree: fc0 .. fc{layers-1}, head (each an nn.Linear with PyTorch's default init).
#include <string>
#include <vector>

#include "model/built_model.hpp"
#include "model/module_builder.hpp"

namespace tb::model {

BuiltModel build_mlp(const BuiltinParams& params, std::uint64_t seed) {
  const std::int64_t in = param_at_least(params, "mlp", "in", 1);
  const std::int64_t hidden = param_at_least(params, "mlp", "hidden", 1);
  const std::int64_t layers = param_at_least(params, "mlp", "layers", 0);
  const std::int64_t out = param_at_least(params, "mlp", "out", 1);

  ModuleBuilder b(seed);
  std::vector<Member> members;
  std::string body;
  std::int64_t width = in;
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string name = "fc" + std::to_string(i);
    members.push_back(child(name, b.default_linear(width, hidden)));
    body += "    x = torch.relu(self." + name + ".forward(x))\n";
    width = hidden;
  }
  members.push_back(child("head", b.default_linear(width, out)));
  body += "    return self.head.forward(x)\n";

  torch::jit::Module mlp = b.make("MLP", members, "\ndef forward(self, x):\n" + body);
  mlp.eval();
  return {mlp, {InputSpec{{1, in}, DType::float32, std::nullopt}}};
}

}  // namespace tb::model
