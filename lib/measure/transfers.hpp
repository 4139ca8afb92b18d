#pragma once
// --include-transfers: the variant's inputs where a serving process has them before a call,
// in host memory, and the host buffers its outputs are copied back into. The copies are
// queued on the device's current stream, where the model runs and the timer's events are
// recorded; from and into pinned memory they do not block the host.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>

namespace tb::measure {

// Pinned (page-locked) host memory is what a copy to or from a GPU runs asynchronously, and at
// full speed, with; pageable memory is for the CPU-only tests of this class.
enum class HostMemory { pinned, pageable };

class HostTransfers {
 public:
  // Host copies of the tensors among `device_inputs` (their values now, with their layout).
  HostTransfers(const std::vector<c10::IValue>& device_inputs, HostMemory memory);

  // Queues the copies of the host inputs into `device_inputs`: the very tensors the model
  // reads, so that a captured CUDA graph keeps its static inputs.
  void copy_in(std::vector<c10::IValue>& device_inputs) const;

  // Queues the copies of the output tensors (in model::flatten_outputs order) into host
  // buffers, allocated at the first call and again when a shape, layout or dtype changes.
  // Throws ModelError for outputs that are not tensors or numbers.
  void copy_out(const c10::IValue& outputs);

  std::int64_t h2d_bytes() const { return h2d_bytes_; }
  std::int64_t d2h_bytes() const { return d2h_bytes_; }  // of the last copy_out
  // The host buffers: the outputs of the last call once the device is done with its copies.
  const std::vector<at::Tensor>& host_outputs() const { return host_outputs_; }

 private:
  at::Tensor host_buffer_like(const at::Tensor& tensor) const;

  HostMemory memory_;
  std::vector<at::Tensor> host_inputs_;  // undefined where an input is not a tensor
  std::vector<at::Tensor> host_outputs_;
  std::int64_t h2d_bytes_ = 0;
  std::int64_t d2h_bytes_ = 0;
};

}  // namespace tb::measure
