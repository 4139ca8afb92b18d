#include "core/suite_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/model_ref.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb {
namespace {

using json = nlohmann::json;

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxSuiteName = 128;
constexpr std::string_view kTopLevelKeys[] = {"torchbench_config", "suite", "description", "defaults", "models"};
constexpr std::string_view kGroups[] = {"timing", "schedule", "gates"};

std::string shown(const json& value) {
  auto text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

bool is_group(std::string_view key) { return std::ranges::find(kGroups, key) != std::end(kGroups); }

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '+';
}

class Parser {
 public:
  explicit Parser(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw UsageError(path.empty() ? source_ + ": " + message : source_ + ": " + path + ": " + message);
  }

  json parse(std::string_view text) const {
    if (text.size() > kMaxConfigBytes) fail("", fmt::format("is larger than {} MiB", kMaxConfigBytes >> 20));
    // A key written twice in one object would silently keep the last value: refused, as a
    // typo would be. The callback sees the keys of the innermost open object.
    std::vector<std::set<std::string>> open_objects;
    try {
      return json::parse(text, [&](int depth, json::parse_event_t event, json& parsed) {
        if (depth > kMaxDepth) fail("", fmt::format("nests deeper than {} levels", kMaxDepth));
        if (event == json::parse_event_t::object_start) open_objects.emplace_back();
        if (event == json::parse_event_t::object_end && !open_objects.empty()) open_objects.pop_back();
        if (event == json::parse_event_t::key && !open_objects.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          fail("", "key '" + parsed.get<std::string>() + "' appears twice in one object; keep one");
        }
        return true;
      });
    } catch (const json::exception& e) {
      std::string what = e.what();
      // nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1, ...".
      if (const auto end = what.find("] "); what.starts_with("[json.exception") && end != std::string::npos) {
        what = what.substr(end + 2);
      }
      fail("", "is not valid JSON: " + what + " (docs/config.md)");
    }
  }

  SuiteConfig config(const json& root) const {
    if (!root.is_object()) fail("", "is not a torchbench-cli config (the top level must be a JSON object)");
    for (const auto& [key, value] : root.items()) {
      if (std::ranges::find(kTopLevelKeys, key) == std::end(kTopLevelKeys)) unknown_key("", key, kTopLevelKeys);
    }
    check_version(root);
    SuiteConfig config;
    config.source = source_;
    config.suite = suite_name(root);
    if (const auto it = root.find("description"); it != root.end()) {
      if (!it->is_string()) fail("description", "must be a string, got " + shown(*it));
      config.description = it->get<std::string>();
    }
    if (const auto it = root.find("defaults"); it != root.end()) {
      if (!it->is_object()) fail("defaults", "must be an object of run settings, got " + shown(*it));
      config.defaults = layer(*it, "defaults", false);
    }
    const auto models = root.find("models");
    if (models == root.end()) {
      fail("", "models is missing; list the models to run, e.g. \"models\": [{\"model\": \"builtin:mlp\"}]");
    }
    if (!models->is_array()) fail("models", "must be an array of entries, got " + shown(*models));
    if (models->empty()) fail("models", "is empty; list at least one model, e.g. {\"model\": \"builtin:mlp\"}");
    std::map<std::string, std::size_t> seen;  // the model's canonical form -> its entry
    for (std::size_t i = 0; i < models->size(); ++i) {
      config.models.push_back(entry((*models)[i], fmt::format("models[{}]", i)));
      const auto canonical = canonical_model(config.models.back().model);
      if (const auto [it, added] = seen.emplace(canonical, i); !added) {
        fail(fmt::format("models[{}].model", i),
             fmt::format("'{}' is listed twice (also models[{}]); list each model once, with all its variants",
                         config.models.back().model, it->second));
      }
    }
    return config;
  }

 private:
  template <typename Names>
  [[noreturn]] void unknown_key(const std::string& path, const std::string& key, const Names& names) const {
    const std::vector<std::string_view> candidates(std::begin(names), std::end(names));
    const auto where = path.empty() ? key : path + "." + key;
    auto suggestion = did_you_mean(key, candidates);
    // A key of a group written outside it ("max_time"), or a flag's spelling ("max-time").
    if (suggestion.empty()) {
      std::string underscored = key;
      std::ranges::replace(underscored, '-', '_');
      for (const auto& s : setting_keys()) {
        const auto dot = s.key.find('.');
        const auto name = dot == std::string_view::npos ? s.key : s.key.substr(dot + 1);
        if (name == underscored || s.flag == "--" + key) {
          suggestion = fmt::format(" (did you mean '{}'? it is --{} as a flag; docs/config.md)", s.key,
                                   s.flag.substr(2));
          break;
        }
      }
    }
    if (suggestion.empty()) suggestion = "; keys here: " + join(candidates, ", ");
    fail(where, "unknown key" + suggestion);
  }

  void check_version(const json& root) const {
    const auto it = root.find("torchbench_config");
    if (it == root.end()) {
      fail("", fmt::format("is not a torchbench-cli config: torchbench_config is missing (a config starts with "
                           "\"torchbench_config\": {}, docs/config.md)",
                           kConfigVersion));
    }
    if (!it->is_number_integer()) {
      fail("torchbench_config", fmt::format("must be the integer {}, got {}", kConfigVersion, shown(*it)));
    }
    if (it->get<std::int64_t>() != kConfigVersion) {
      fail("torchbench_config", fmt::format("is {}; this torchbench-cli reads version {}{}", shown(*it),
                                            kConfigVersion,
                                            it->get<std::int64_t>() > kConfigVersion
                                                ? " (the config is from a newer version)"
                                                : ""));
    }
  }

  std::string suite_name(const json& root) const {
    const auto it = root.find("suite");
    if (it == root.end()) fail("", "suite is missing; name the suite, e.g. \"suite\": \"nightly-cpu\"");
    if (!it->is_string()) fail("suite", "must be a string, got " + shown(*it));
    const auto name = it->get<std::string>();
    if (name.empty() || name.size() > kMaxSuiteName || !std::ranges::all_of(name, is_name_char)) {
      fail("suite", fmt::format("invalid suite name '{}': use 1 to {} letters, digits, '-', '_', '.' or '+'", name,
                                kMaxSuiteName));
    }
    return name;
  }

  SuiteEntry entry(const json& value, const std::string& path) const {
    if (!value.is_object()) {
      fail(path, "must be an object such as {\"model\": \"builtin:mlp\"}, got " + shown(value));
    }
    SuiteEntry entry;
    entry.settings = layer(value, path, true);
    const auto model = value.find("model");
    if (model == value.end()) {
      fail(path, "model is missing; each entry names its model, e.g. {\"model\": \"builtin:mlp\"} or "
                 "{\"model\": \"models/resnet50.pt\"}");
    }
    if (!model->is_string()) fail(path + ".model", "must be a string, got " + shown(*model));
    entry.model = model->get<std::string>();
    try {
      parse_model_ref(entry.model);
    } catch (const UsageError& e) {
      fail(path + ".model", e.what());
    }
    return entry;
  }

  // The settings of "defaults" or of one entry (which also has "model").
  SettingsLayer layer(const json& object, const std::string& path, bool is_entry) const {
    std::vector<std::string_view> names;
    if (is_entry) names.push_back("model");
    for (const auto& s : setting_keys()) {
      if (s.key.find('.') == std::string_view::npos) names.push_back(s.key);
    }
    names.insert(names.end(), std::begin(kGroups), std::end(kGroups));
    SettingsLayer settings;
    for (const auto& [key, value] : object.items()) {
      if (is_entry && key == "model") continue;
      if (is_group(key)) {
        group(settings, key, value, path);
        continue;
      }
      const auto* setting = key.find('.') == std::string::npos ? find_setting(key) : nullptr;
      if (!setting) unknown_key(path, key, names);
      read(settings, *setting, value, path + "." + key);
    }
    return settings;
  }

  // "timing", "schedule" or "gates": an object of that group's keys.
  void group(SettingsLayer& settings, const std::string& name, const json& object, const std::string& path) const {
    const auto where = path + "." + name;
    if (!object.is_object()) fail(where, "must be an object of " + name + " keys, got " + shown(object));
    std::vector<std::string_view> names;
    for (const auto& s : setting_keys()) {
      if (s.key.starts_with(name + ".")) names.push_back(s.key.substr(name.size() + 1));
    }
    for (const auto& [key, value] : object.items()) {
      const auto* setting = find_setting(name + "." + key);
      if (!setting) unknown_key(where, key, names);
      read(settings, *setting, value, where + "." + key);
    }
  }

  void read(SettingsLayer& layer, const SettingKey& setting, const json& value, const std::string& path) const {
    try {
      setting.read(value, layer.values);
    } catch (const SettingValueError& e) {
      fail(e.item ? fmt::format("{}[{}]", path, *e.item) : path, e.what());
    } catch (const UsageError& e) {
      fail(path, e.what());
    }
    layer.keys.insert(std::string(setting.key));
  }

  // Two spellings of one model name one entry: "models/a.pt" and "./models/a.pt",
  // "builtin:mlp:layers=2,hidden=8" and "builtin:mlp:hidden=8,layers=2".
  static std::string canonical_model(const std::string& model) {
    const auto ref = parse_model_ref(model);
    if (ref.kind == ModelRef::Kind::builtin) return ref.text();
    return std::filesystem::path(model).lexically_normal().string();
  }

  const std::string& source_;
};

}  // namespace

SuiteConfig parse_suite_config(std::string_view text, const std::string& source) {
  const Parser parser(source);
  return parser.config(parser.parse(text));
}

std::string to_config_json(const SuiteConfig& config) {
  nlohmann::ordered_json root = {{"torchbench_config", kConfigVersion}, {"suite", config.suite}};
  if (!config.description.empty()) root["description"] = config.description;
  if (!config.defaults.keys.empty()) root["defaults"] = layer_json(config.defaults);
  root["models"] = nlohmann::ordered_json::array();
  for (const auto& entry : config.models) {
    nlohmann::ordered_json object = {{"model", entry.model}};
    const auto settings = layer_json(entry.settings);
    for (const auto& [key, value] : settings.items()) object[key] = value;
    root["models"].push_back(std::move(object));
  }
  return root.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

RunSettings entry_settings(const SuiteConfig& config, std::size_t index, const SettingsLayer& overrides) {
  const auto& entry = config.models.at(index);
  const SettingsLayer* layers[] = {&config.defaults, &overrides, &entry.settings};
  auto settings = resolve_settings(layers);
  try {
    validate(settings);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: models[{}] ({}): {}", config.source, index, entry.model, e.what()));
  }
  return settings;
}

std::string resolve_model_path(const std::string& model, const std::filesystem::path& config_dir) {
  if (model.starts_with("builtin:")) return model;
  const std::filesystem::path path(model);
  if (path.is_absolute()) return model;
  return (config_dir / path).lexically_normal().string();
}

}  // namespace tb
