#include "measure/transfers.hpp"

#include <ATen/ops/empty.h>
#include <ATen/ops/empty_strided.h>

#include "model/outputs.hpp"

namespace tb::measure {

HostTransfers::HostTransfers(const std::vector<c10::IValue>& device_inputs, HostMemory memory) : memory_(memory) {
  host_inputs_.reserve(device_inputs.size());
  for (const auto& input : device_inputs) {
    if (!input.isTensor()) {
      host_inputs_.emplace_back();
      continue;
    }
    const auto& tensor = input.toTensor();
    auto host = host_buffer_like(tensor);
    host.copy_(tensor);
    h2d_bytes_ += static_cast<std::int64_t>(tensor.nbytes());
    host_inputs_.push_back(std::move(host));
  }
}

void HostTransfers::copy_in(std::vector<c10::IValue>& device_inputs) const {
  for (std::size_t i = 0; i < host_inputs_.size() && i < device_inputs.size(); ++i) {
    if (host_inputs_[i].defined()) device_inputs[i].toTensor().copy_(host_inputs_[i], /*non_blocking=*/true);
  }
}

void HostTransfers::copy_out(const c10::IValue& outputs) {
  const auto tensors = model::flatten_outputs(outputs);
  host_outputs_.resize(tensors.size());
  std::int64_t bytes = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& tensor = tensors[i];
    auto& host = host_outputs_[i];
    const bool fits = host.defined() && host.dtype() == tensor.dtype() && host.sizes() == tensor.sizes() &&
                      (tensor.is_non_overlapping_and_dense() ? host.strides() == tensor.strides()
                                                              : host.is_contiguous());
    if (!fits) host = host_buffer_like(tensor);
    host.copy_(tensor, /*non_blocking=*/true);
    bytes += static_cast<std::int64_t>(tensor.nbytes());
  }
  d2h_bytes_ = bytes;
}

at::Tensor HostTransfers::host_buffer_like(const at::Tensor& tensor) const {
  const auto options = tensor.options().device(c10::kCPU).pinned_memory(memory_ == HostMemory::pinned);
  // The same strides when they describe one dense block (channels-last stays channels-last),
  // so that a copy is one contiguous transfer; otherwise (a broadcast view) a contiguous buffer.
  if (tensor.is_non_overlapping_and_dense()) return at::empty_strided(tensor.sizes(), tensor.strides(), options);
  return at::empty(tensor.sizes(), options);
}

}  // namespace tb::measure
