#include "passes/module_tensors.hpp"

#include <unordered_set>

namespace tb::passes {

std::size_t convert_module_tensors(torch::jit::Module& module,
                                   const std::function<std::optional<at::Tensor>(const at::Tensor&)>& convert) {
  at::NoGradGuard no_grad;  // the conversions are not part of any autograd graph
  std::unordered_set<const c10::TensorImpl*> seen;
  std::size_t converted = 0;
  for (const auto& submodule : module.modules()) {
    for (const auto& attribute : submodule.named_attributes(/*recurse=*/false)) {
      if (!attribute.value.isTensor()) continue;
      at::Tensor tensor = attribute.value.toTensor();
      if (!tensor.defined() || !seen.insert(tensor.unsafeGetTensorImpl()).second) continue;
      if (auto replacement = convert(tensor)) {
        tensor.set_data(*replacement);
        ++converted;
      }
    }
  }
  return converted;
}

}  // namespace tb::passes
