#include "model/inputs.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace tb::model {
namespace {

// SplitMix64: decorrelates the per-row seeds.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

at::Tensor make_block(const InputSpec& spec, c10::IntArrayRef shape, std::uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto target = to_scalar_type(spec.dtype);
  if (spec.dtype == DType::boolean && !spec.range) {
    return at::randint(0, 2, shape, gen, at::TensorOptions().dtype(at::kLong)).to(target);
  }
  if (is_floating(spec.dtype)) {
    const auto options = at::TensorOptions().dtype(at::kFloat);
    if (!spec.range) return at::randn(shape, gen, options).to(target);
    const auto& r = *spec.range;
    return (at::rand(shape, gen, options) * (r.high - r.low) + r.low).to(target);
  }
  const auto& r = *spec.range;  // parse_input_spec requires a range for integers (bool: optional)
  const auto high = static_cast<std::int64_t>(r.high) + (r.high_inclusive ? 1 : 0);
  return at::randint(static_cast<std::int64_t>(r.low), high, shape, gen, at::TensorOptions().dtype(at::kLong))
      .to(target);
}

}  // namespace

c10::ScalarType to_scalar_type(DType dtype) {
  switch (dtype) {
    case DType::float32: return at::kFloat;
    case DType::float16: return at::kHalf;
    case DType::bfloat16: return at::kBFloat16;
    case DType::float64: return at::kDouble;
    case DType::int64: return at::kLong;
    case DType::int32: return at::kInt;
    case DType::int16: return at::kShort;
    case DType::int8: return at::kChar;
    case DType::uint8: return at::kByte;
    case DType::boolean: return at::kBool;
  }
  return at::kFloat;
}

std::vector<c10::IValue> make_inputs(const std::vector<InputSpec>& specs, std::uint64_t seed, c10::Device device) {
  std::vector<c10::IValue> inputs;
  inputs.reserve(specs.size());
  for (std::size_t index = 0; index < specs.size(); ++index) {
    const auto& spec = specs[index];
    const std::uint64_t input_seed = mix(seed ^ mix(index + 1));
    at::Tensor tensor;
    if (spec.shape.empty()) {
      tensor = make_block(spec, {}, input_seed);
    } else {
      const std::vector<std::int64_t> row_shape(spec.shape.begin() + 1, spec.shape.end());
      std::vector<at::Tensor> rows;
      rows.reserve(static_cast<std::size_t>(spec.shape[0]));
      for (std::int64_t row = 0; row < spec.shape[0]; ++row) {
        rows.push_back(make_block(spec, row_shape, mix(input_seed ^ mix(static_cast<std::uint64_t>(row)))));
      }
      tensor = at::stack(rows);
    }
    inputs.emplace_back(tensor.to(device));
  }
  return inputs;
}

}  // namespace tb::model
