#pragma once
// What a built-in model builder returns.
#include <vector>

#include <torch/script.h>

#include "core/input_spec.hpp"
#include "model/builtin_models.hpp"

namespace tb::model {

struct BuiltModel {
  torch::jit::Module module;      // in eval mode, parameters require grad (like a Python nn.Module)
  std::vector<InputSpec> inputs;  // batch dimension first, batch 1
};

}  // namespace tb::model
