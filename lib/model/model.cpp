#include "model/model.hpp"

#include <unistd.h>

#include <filesystem>

#include "model/built_model.hpp"
#include "model/errors.hpp"
#include "model/torchscript_model.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb::model {
namespace {

std::vector<std::string_view> builtin_names() {
  std::vector<std::string_view> names;
  for (const auto& row : builtin_model_table()) names.push_back(row.name);
  return names;
}

const BuiltinModelInfo& builtin_or_throw(const ModelRef& ref) {
  const auto* info = find_builtin_model(ref.name);
  if (!info) {
    const auto names = builtin_names();
    throw UsageError("unknown built-in model '" + ref.name + "'" + did_you_mean(ref.name, names) +
                     "; built-ins: " + join(names, ", "));
  }
  for (const auto& [key, value] : ref.params) {
    if (!info->defaults.count(key)) {
      std::vector<std::string_view> keys;
      for (const auto& [k, v] : info->defaults) keys.push_back(k);
      throw UsageError("built-in '" + ref.name + "' has no parameter '" + key + "'" + did_you_mean(key, keys) +
                       "; parameters: " + join(keys, ", "));
    }
    if (value <= 0) throw UsageError("built-in parameter " + key + " must be positive");
  }
  return *info;
}

}  // namespace

void check_model_ref(const ModelRef& ref) {
  if (ref.kind == ModelRef::Kind::builtin) {
    builtin_or_throw(ref);
    return;
  }
  const std::filesystem::path path(ref.name);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw ModelError("model file '" + ref.name + "' does not exist; give a TorchScript .pt file or builtin:NAME (see `torchbench-cli models`)");
  }
  if (std::filesystem::is_directory(status)) {
    throw ModelError("model path '" + ref.name + "' is a directory; give a TorchScript .pt file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw ModelError("model path '" + ref.name + "' is not a regular file");
  }
  if (::access(path.c_str(), R_OK) != 0) {
    throw ModelError("model file '" + ref.name + "' is not readable (check its permissions)");
  }
  if (std::filesystem::file_size(path, ec) == 0) {
    throw ModelError("model file '" + ref.name + "' is empty; re-export it with torch.jit.save");
  }
}

std::unique_ptr<Model> load_model(const ModelRef& ref, std::uint64_t seed) {
  if (ref.kind == ModelRef::Kind::file) return load_torchscript_file(ref.name);
  const auto& info = builtin_or_throw(ref);
  BuiltinParams params = info.defaults;
  for (const auto& [key, value] : ref.params) params[key] = value;
  try {
    auto built = info.build(params, seed);
    return std::make_unique<TorchScriptModel>(std::move(built.module), std::move(built.inputs), "builtin");
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(e.what()) + " (see `torchbench-cli models`)");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw ModelError("cannot build builtin:" + ref.name + ": " + first_line(e));
  }
}

}  // namespace tb::model
