#pragma once
// Input tensors from input specs, reproducible from a seed.
#include <cstdint>
#include <vector>

#include <torch/script.h>

#include "core/input_spec.hpp"

namespace tb::model {

c10::ScalarType to_scalar_type(DType dtype);

// One tensor per spec on `device`. Row i along dim 0 depends only on (seed, input index, i),
// so a batch-8 input begins with exactly the rows of the batch-1 input: variants that
// change the batch size stay comparable with the baseline on the rows they share.
// Floats: standard normal, or uniform in the spec's range. Integers: uniform in the range.
std::vector<c10::IValue> make_inputs(const std::vector<InputSpec>& specs, std::uint64_t seed, c10::Device device);

}  // namespace tb::model
