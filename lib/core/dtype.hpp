#pragma once
// Element types an input can have, named independently of LibTorch so that the
// torch-free layers (parsing, reports) can talk about them.
#include <optional>
#include <string>
#include <string_view>

namespace tb {

enum class DType { float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, boolean };

// Canonical name ("float32", "int64", "bool", ...).
std::string_view dtype_name(DType dtype);

// Accepts canonical names and common aliases (float, fp32, half, fp16, bf16, double,
// long, int, bool). Returns nullopt for anything else.
std::optional<DType> parse_dtype(std::string_view text);

bool is_floating(DType dtype);

// A comma-separated list of the canonical names, for error messages.
std::string dtype_names();

}  // namespace tb
