#pragma once
// Which model to run: a TorchScript file or `builtin:NAME[:key=value,...]`.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace tb {

struct ModelRef {
  enum class Kind { builtin, file };
  Kind kind = Kind::builtin;
  std::string name;  // built-in name, or the file path as given
  std::map<std::string, std::int64_t> params;  // built-in hyper-parameters the user set

  // The canonical text form, e.g. "builtin:transformer:layers=2" or "models/x.pt".
  std::string text() const;
};

// "builtin:transformer", "builtin:transformer:layers=2,hidden=128", or a path.
// Throws UsageError for a malformed built-in reference. Does not check that the file or
// the built-in exists.
ModelRef parse_model_ref(std::string_view text);

}  // namespace tb
