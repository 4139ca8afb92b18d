// "resnet18": the torchvision ResNet-18 layout with a configurable base width.
// Module tree: conv1, bn1, layer1..layer4 (each block0, block1: conv1, bn1, conv2, bn2 and,
// where the shape changes, downsample.{conv, bn}), fc.
#include <cmath>
#include <string>
#include <vector>

#include "model/built_model.hpp"
#include "model/module_builder.hpp"

namespace tb::model {

namespace {

// nn.Conv2d without bias (a BatchNorm follows), kaiming-normal init for ReLU.
torch::jit::Module conv2d(ModuleBuilder& b, std::int64_t in, std::int64_t out,
                          std::int64_t kernel, std::int64_t stride) {
  const double stddev = std::sqrt(2.0 / static_cast<double>(in * kernel * kernel));
  const std::string s = std::to_string(stride);
  const std::string p = std::to_string(kernel / 2);
  return b.make("Conv2d", {param("weight", b.normal({out, in, kernel, kernel}, stddev))},
                "\ndef forward(self, x):\n"
                "    return torch.conv2d(x, self.weight, None, [" + s + ", " + s + "], [" + p +
                    ", " + p + "])\n");
}

// nn.BatchNorm2d in eval mode. Running statistics are perturbed away from (0, 1) so that
// folding them into the preceding conv is a real computation, not a no-op.
torch::jit::Module batch_norm(ModuleBuilder& b, std::int64_t channels) {
  std::vector<Member> members = {
      param("weight", ModuleBuilder::ones({channels})),
      param("bias", ModuleBuilder::zeros({channels})),
      buffer("running_mean", b.normal({channels}, 0.1)),
      buffer("running_var", b.uniform({channels}, 1.0, 1.25)),
  };
  // torch.batch_norm(input, weight, bias, mean, var, training, momentum, eps, cudnn_enabled)
  return b.make("BatchNorm2d", members, R"(
def forward(self, x):
    return torch.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,
                            False, 0.1, 1e-05, True)
)");
}

torch::jit::Module basic_block(ModuleBuilder& b, std::int64_t in, std::int64_t out,
                               std::int64_t stride) {
  std::vector<Member> members = {
      child("conv1", conv2d(b, in, out, 3, stride)),
      child("bn1", batch_norm(b, out)),
      child("conv2", conv2d(b, out, out, 3, 1)),
      child("bn2", batch_norm(b, out)),
  };
  std::string shortcut = "x";
  if (stride != 1 || in != out) {
    torch::jit::Module downsample = b.make(
        "Downsample", {child("conv", conv2d(b, in, out, 1, stride)), child("bn", batch_norm(b, out))},
        R"(
def forward(self, x):
    return self.bn.forward(self.conv.forward(x))
)");
    members.push_back(child("downsample", downsample));
    shortcut = "self.downsample.forward(x)";
  }
  return b.make("BasicBlock", members, R"(
def forward(self, x):
    y = torch.relu(self.bn1.forward(self.conv1.forward(x)))
    y = self.bn2.forward(self.conv2.forward(y))
    return torch.relu(y + )" + shortcut + ")\n");
}

// Two BasicBlocks; the first one changes width / resolution.
torch::jit::Module stage(ModuleBuilder& b, std::int64_t in, std::int64_t out, std::int64_t stride) {
  torch::jit::Module first = basic_block(b, in, out, stride);
  torch::jit::Module second = basic_block(b, out, out, 1);
  return b.make("Sequential", {child("block0", first), child("block1", second)}, R"(
def forward(self, x):
    return self.block1.forward(self.block0.forward(x))
)");
}

}  // namespace

BuiltModel build_resnet18(const BuiltinParams& params, std::uint64_t seed) {
  const std::int64_t w = param_at_least(params, "resnet18", "width", 1);
  const std::int64_t image = param_at_least(params, "resnet18", "image", 1);
  const std::int64_t classes = param_at_least(params, "resnet18", "classes", 1);

  ModuleBuilder b(seed);
  std::vector<Member> members = {
      child("conv1", conv2d(b, 3, w, 7, 2)),
      child("bn1", batch_norm(b, w)),
      child("layer1", stage(b, w, w, 1)),
      child("layer2", stage(b, w, 2 * w, 2)),
      child("layer3", stage(b, 2 * w, 4 * w, 2)),
      child("layer4", stage(b, 4 * w, 8 * w, 2)),
      child("fc", b.default_linear(8 * w, classes)),
  };
  torch::jit::Module net = b.make("ResNet", members, R"(
def forward(self, x):
    x = torch.relu(self.bn1.forward(self.conv1.forward(x)))
    x = torch.max_pool2d(x, [3, 3], [2, 2], [1, 1])
    x = self.layer1.forward(x)
    x = self.layer2.forward(x)
    x = self.layer3.forward(x)
    x = self.layer4.forward(x)
    x = torch.flatten(torch.adaptive_avg_pool2d(x, [1, 1]), 1)
    return self.fc.forward(x)
)");
  net.eval();
  return {net, {InputSpec{{1, 3, image, image}, DType::float32, std::nullopt}}};
}

}  // namespace tb::model
