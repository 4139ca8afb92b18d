#pragma once
// Rewriting the tensors a TorchScript module holds, for the passes that change their dtype
// or memory format (bf16, fp16, channels-last).
#include <functional>
#include <optional>

#include <torch/script.h>

namespace tb::passes {

// Calls `convert` once for every distinct tensor attribute (parameters, buffers, other
// tensor attributes) of every module in the tree; when it returns a tensor, that becomes
// the attribute's data in place (Tensor::set_data, as Module::to does), so the module keeps
// its structure and tied weights stay tied. Returns how many tensors were converted.
std::size_t convert_module_tensors(torch::jit::Module& module,
                                   const std::function<std::optional<at::Tensor>(const at::Tensor&)>& convert);

}  // namespace tb::passes
