#include "core/model_ref.hpp"

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb {

std::string ModelRef::text() const {
  if (kind == Kind::file) return name;
  std::string text = "builtin:" + name;
  char sep = ':';
  for (const auto& [key, value] : params) {
    text += sep + key + "=" + std::to_string(value);
    sep = ',';
  }
  return text;
}

ModelRef parse_model_ref(std::string_view text) {
  ModelRef ref;
  constexpr std::string_view prefix = "builtin:";
  if (!text.starts_with(prefix)) {
    if (text.empty()) throw UsageError("the model path is empty; give a TorchScript .pt file or builtin:NAME");
    // The path goes into the worker's job and the report, both JSON.
    if (!is_valid_utf8(text)) {
      throw UsageError("the model path '" + std::string(text) +
                       "' is not valid UTF-8, which a JSON report cannot hold; rename the file");
    }
    ref.kind = ModelRef::Kind::file;
    ref.name = std::string(text);
    return ref;
  }
  auto rest = text.substr(prefix.size());
  const auto colon = rest.find(':');
  ref.name = std::string(rest.substr(0, colon));
  if (ref.name.empty()) {
    throw UsageError("invalid model '" + std::string(text) + "': expected builtin:NAME (see `torchbench-cli models`)");
  }
  if (colon == std::string_view::npos) return ref;
  for (const auto& item : split(rest.substr(colon + 1), ',')) {
    const auto eq = item.find('=');
    const auto value = eq == std::string::npos ? std::nullopt : parse_int(trim(std::string_view(item).substr(eq + 1)));
    if (!value) {
      throw UsageError("invalid model parameter '" + item + "' in '" + std::string(text) +
                       "': expected key=INTEGER, e.g. builtin:transformer:layers=2,hidden=128");
    }
    ref.params[std::string(trim(std::string_view(item).substr(0, eq)))] = *value;
  }
  return ref;
}

}  // namespace tb
