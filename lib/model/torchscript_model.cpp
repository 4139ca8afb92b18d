#include "model/torchscript_model.hpp"

#include <torch/version.h>

#include <nlohmann/json.hpp>

#include "model/errors.hpp"
#include "util/errors.hpp"

namespace tb::model {

TorchScriptModel::TorchScriptModel(torch::jit::Module module, std::vector<InputSpec> inputs,
                                   std::string_view backend)
    : module_(std::move(module)),
      forward_(module_.get_method("forward")),
      inputs_(std::move(inputs)),
      backend_(backend) {}

c10::IValue TorchScriptModel::run(const std::vector<c10::IValue>& inputs) {
  return forward_(inputs);
}

void TorchScriptModel::to(c10::Device device) { module_.to(device); }

std::string TorchScriptModel::signature() const {
  const auto& arguments = forward_.function().getSchema().arguments();
  std::string text = "forward(";
  for (std::size_t i = 1; i < arguments.size(); ++i) {  // 0 is self
    text += (i > 1 ? ", " : "") + arguments[i].name() + ": " + arguments[i].type()->annotation_str();
    if (arguments[i].default_value()) text += " = ...";
  }
  return text + ")";
}

std::size_t TorchScriptModel::required_inputs() const {
  const auto& arguments = forward_.function().getSchema().arguments();
  std::size_t count = 0;
  for (std::size_t i = 1; i < arguments.size(); ++i) count += arguments[i].default_value() ? 0 : 1;
  return count;
}

void TorchScriptModel::set_torchscript(torch::jit::Module module) {
  module_ = std::move(module);
  forward_ = module_.get_method("forward");
}

namespace {

std::vector<InputSpec> parse_input_metadata(const std::filesystem::path& path, const std::string& text) {
  const auto where = "input metadata (" + std::string(kInputMetadataFile) + ") in '" + path.string() + "'";
  try {
    const auto json = nlohmann::json::parse(text);
    if (json.value("version", 0) != 1) throw std::runtime_error("unsupported version, expected 1");
    std::vector<InputSpec> inputs;
    for (const auto& item : json.at("inputs")) inputs.push_back(parse_input_spec(item.get<std::string>()));
    return inputs;
  } catch (const std::exception& e) {
    throw ModelError("invalid " + where + ": " + e.what() +
                     "; re-export the model with valid metadata (format: docs/report-schema.md)");
  }
}

constexpr std::string_view kReexport = "export the model with torch.jit.script or torch.jit.trace, then torch.jit.save";

// What LibTorch's loader messages mean for someone holding the file, and what to do.
struct LoadErrorHint {
  std::string_view loader_says;
  std::string_view meaning;
  std::string_view fix = kReexport;
};
constexpr LoadErrorHint kLoadErrorHints[] = {
    {"constants.pkl", "a torch.save file (a state_dict or a pickled nn.Module), not TorchScript"},
    {"hasRecord(\"version\")", "a zip archive without a TorchScript version record"},
    {"failed finding central directory", "not a zip archive, or a truncated one"},
    {"failed reading zip archive", "not a readable zip archive"},
    {"maximum supported version for reading", "saved by a newer PyTorch than this LibTorch " TORCH_VERSION,
     "save it with PyTorch " TORCH_VERSION " or older, or build torchbench-cli against a newer LibTorch"},
};

// "MEANING (REASON); FIX", or "REASON; FIX" when no hint applies.
std::string explain_load_error(const std::string& reason) {
  for (const auto& hint : kLoadErrorHints) {
    if (reason.find(hint.loader_says) != std::string::npos) {
      return std::string(hint.meaning) + " (" + reason + "); " + std::string(hint.fix);
    }
  }
  return reason + "; " + std::string(kReexport);
}

}  // namespace

std::unique_ptr<Model> load_torchscript_file(const std::filesystem::path& path) {
  check_model_ref(ModelRef{ModelRef::Kind::file, path.string(), {}});
  torch::jit::ExtraFilesMap extra{{kInputMetadataFile, ""}};
  torch::jit::Module module;
  try {
    module = torch::jit::load(path.string(), c10::Device(c10::kCPU), extra);
  } catch (const std::exception& e) {
    // Keep the first sentence: LibTorch's zip reader appends a paragraph of speculation.
    auto reason = first_line(e);
    if (const auto end = reason.find(". "); end != std::string::npos) reason.resize(end);
    throw ModelError("cannot load '" + path.string() + "' as a TorchScript archive: " + explain_load_error(reason));
  }
  if (!module.find_method("forward")) {
    throw ModelError("'" + path.string() + "' has no forward method to benchmark");
  }
  module.eval();
  std::vector<InputSpec> inputs;
  if (const auto& text = extra[kInputMetadataFile]; !text.empty()) inputs = parse_input_metadata(path, text);
  return std::make_unique<TorchScriptModel>(std::move(module), std::move(inputs), "torchscript");
}

}  // namespace tb::model
