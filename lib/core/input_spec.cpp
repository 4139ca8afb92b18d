#include "core/input_spec.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb {
namespace {

constexpr std::string_view kForm =
    "expected DIMS[:DTYPE][RANGE], e.g. 1x3x224x224:float32 or 8x128:int64[0,30522)";

[[noreturn]] void fail(std::string_view text, const std::string& why) {
  throw UsageError("invalid --input '" + std::string(text) + "': " + why + "; " + std::string(kForm));
}

std::string format_number(double value) {
  // Whole numbers as the user writes them ("30522", not "3.0522e+04").
  if (value == std::floor(value) && std::abs(value) < 1e15) return std::to_string(static_cast<long long>(value));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  // Shortest form that still round-trips: try fewer digits first.
  for (int digits = 1; digits < 17; ++digits) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", digits, value);
    if (std::strtod(shorter, nullptr) == value) return shorter;
  }
  return buffer;
}

// The values an integer dtype holds. int64 stops at 2^53: range bounds are read as doubles,
// which hold every integer only up to there.
std::pair<double, double> integer_limits(DType dtype) {
  switch (dtype) {
    case DType::int8: return {-128, 127};
    case DType::uint8: return {0, 255};
    case DType::int16: return {-32768, 32767};
    case DType::int32: return {-2147483648.0, 2147483647.0};
    case DType::boolean: return {0, 1};
    default: return {-9007199254740992.0, 9007199254740992.0};
  }
}

}  // namespace

InputSpec parse_input_spec(std::string_view text) {
  const std::string_view original = text;
  text = trim(text);
  if (text.empty()) fail(original, "it is empty");
  InputSpec spec;

  // Range suffix: [low,high) or [low,high].
  if (const auto open = text.find('['); open != std::string_view::npos) {
    const char close = text.back();
    if (close != ')' && close != ']') fail(original, "the range must end with ')' or ']'");
    const auto bounds = split(text.substr(open + 1, text.size() - open - 2), ',');
    if (bounds.size() != 2) fail(original, "a range has two bounds, [low,high)");
    const auto low = parse_double(trim(bounds[0]));
    const auto high = parse_double(trim(bounds[1]));
    if (!low || !high) fail(original, "range bounds must be numbers");
    spec.range = ValueRange{*low, *high, close == ']'};
    text = text.substr(0, open);
  }

  std::string_view dims = text;
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    dims = text.substr(0, colon);
    const auto dtype_text = text.substr(colon + 1);
    const auto dtype = parse_dtype(dtype_text);
    if (!dtype) {
      fail(original, "unknown dtype '" + std::string(dtype_text) + "' (known: " + dtype_names() + ")");
    }
    spec.dtype = *dtype;
  }

  if (dims != "scalar") {
    if (dims.empty()) fail(original, "the shape is missing");
    for (const auto& dim : split(dims, 'x')) {
      const auto value = parse_int(dim);
      if (!value) fail(original, "'" + dim + "' is not a dimension");
      if (*value <= 0) fail(original, "dimensions must be positive");
      spec.shape.push_back(*value);
    }
  }
  if (element_count(spec) < 0) fail(original, "the shape is too large");

  if (spec.range) {
    const auto& r = *spec.range;
    const bool empty = r.high_inclusive ? r.high < r.low : r.high <= r.low;
    if (empty) fail(original, "the range is empty");
    if (!is_floating(spec.dtype) && (r.low != std::floor(r.low) || r.high != std::floor(r.high))) {
      fail(original, "integer ranges need integer bounds");
    }
    if (!is_floating(spec.dtype)) {
      const auto [lowest, highest] = integer_limits(spec.dtype);
      const double top = r.high_inclusive ? r.high : r.high - 1;
      if (r.low < lowest || top > highest) {
        fail(original, std::string(dtype_name(spec.dtype)) + " holds " + format_number(lowest) + " to " +
                           format_number(highest) + "; the range does not fit");
      }
    }
  } else if (!is_floating(spec.dtype) && spec.dtype != DType::boolean) {
    fail(original, "integer inputs need a value range such as [0,100)");
  }
  return spec;
}

std::string to_string(const InputSpec& spec) {
  std::string text;
  if (spec.shape.empty()) text = "scalar";
  for (std::size_t i = 0; i < spec.shape.size(); ++i) {
    if (i) text += 'x';
    text += std::to_string(spec.shape[i]);
  }
  text += ':';
  text += dtype_name(spec.dtype);
  if (spec.range) {
    text += '[' + format_number(spec.range->low) + ',' + format_number(spec.range->high) +
            (spec.range->high_inclusive ? ']' : ')');
  }
  return text;
}

std::int64_t element_count(const InputSpec& spec) {
  std::int64_t count = 1;
  for (const auto dim : spec.shape) {
    if (dim > 0 && count > std::numeric_limits<std::int64_t>::max() / dim) return -1;
    count *= dim;
  }
  return count;
}

}  // namespace tb
