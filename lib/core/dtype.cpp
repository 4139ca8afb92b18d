#include "core/dtype.hpp"

#include <array>
#include <utility>

namespace tb {
namespace {

struct DTypeName {
  std::string_view name;
  DType dtype;
};

// Canonical names first (one per DType, in enum order), then aliases.
constexpr std::array<DTypeName, 23> kNames = {{
    {"float32", DType::float32},   {"float16", DType::float16}, {"bfloat16", DType::bfloat16},
    {"float64", DType::float64},   {"int64", DType::int64},     {"int32", DType::int32},
    {"int16", DType::int16},       {"int8", DType::int8},       {"uint8", DType::uint8},
    {"bool", DType::boolean},      {"float", DType::float32},   {"fp32", DType::float32},
    {"half", DType::float16},      {"fp16", DType::float16},    {"bf16", DType::bfloat16},
    {"double", DType::float64},    {"fp64", DType::float64},    {"long", DType::int64},
    {"int", DType::int32},         {"short", DType::int16},     {"char", DType::int8},
    {"byte", DType::uint8},        {"boolean", DType::boolean},
}};

constexpr std::size_t kCanonicalCount = 10;

}  // namespace

std::string_view dtype_name(DType dtype) { return kNames[static_cast<std::size_t>(dtype)].name; }

std::optional<DType> parse_dtype(std::string_view text) {
  for (const auto& entry : kNames) {
    if (entry.name == text) return entry.dtype;
  }
  return std::nullopt;
}

bool is_floating(DType dtype) {
  return dtype == DType::float32 || dtype == DType::float16 || dtype == DType::bfloat16 ||
         dtype == DType::float64;
}

std::string dtype_names() {
  std::string names;
  for (std::size_t i = 0; i < kCanonicalCount; ++i) {
    if (i) names += ", ";
    names += kNames[i].name;
  }
  return names;
}

}  // namespace tb
