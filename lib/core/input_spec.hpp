#pragma once
// One model input as the user writes it: `1x3x224x224:float32`, `8x128:int64[0,30522)`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"

namespace tb {

struct ValueRange {
  double low = 0;
  double high = 0;
  bool high_inclusive = false;  // `[a,b]` vs `[a,b)`

  bool operator==(const ValueRange&) const = default;
};

struct InputSpec {
  std::vector<std::int64_t> shape;  // empty: a 0-d scalar
  DType dtype = DType::float32;
  // Integers: uniform in the range (required for integer dtypes other than bool).
  // Floats: uniform in the range when given, standard normal otherwise.
  std::optional<ValueRange> range;

  bool operator==(const InputSpec&) const = default;
};

// Parses `DIMS[:DTYPE][RANGE]`; DIMS is `AxBx...` or `scalar`; DTYPE defaults to float32.
// Throws UsageError naming the problem and the expected form.
InputSpec parse_input_spec(std::string_view text);

// The inverse of parse_input_spec: parse_input_spec(to_string(s)) == s.
std::string to_string(const InputSpec& spec);

std::int64_t element_count(const InputSpec& spec);

}  // namespace tb
