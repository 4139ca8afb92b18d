#pragma once
// Built-in models: real architectures written here and built at run time as TorchScript
// modules (so every graph pass that applies to a `.pt` file applies to them), with seeded,
// deterministic weights. Extension point: one row per model in builtin_model_table().
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/input_spec.hpp"

namespace tb::model {

// Integer hyper-parameters, e.g. {"layers": 4, "hidden": 256}.
using BuiltinParams = std::map<std::string, std::int64_t>;

// A built model and its inputs: model/built_model.hpp (it needs the LibTorch headers, which
// this table of names and parameters does not).
struct BuiltModel;

struct BuiltinModelInfo {
  std::string_view name;
  std::string_view description;
  BuiltinParams defaults;  // every accepted key with its default value
  BuiltModel (*build)(const BuiltinParams& params, std::uint64_t seed);
};

// The registry, in listing order; the first row is the default model.
std::span<const BuiltinModelInfo> builtin_model_table();

// nullptr when no built-in has that name.
const BuiltinModelInfo* find_builtin_model(std::string_view name);

// Builders (one file each). `params` always holds every key of the row's defaults.
BuiltModel build_mlp(const BuiltinParams& params, std::uint64_t seed);
BuiltModel build_resnet18(const BuiltinParams& params, std::uint64_t seed);
BuiltModel build_transformer(const BuiltinParams& params, std::uint64_t seed);

}  // namespace tb::model
