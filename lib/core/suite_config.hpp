#pragma once
// Suite configuration files (`run --config FILE`, docs/config.md): a named list of models,
// each run as one `run` of that model, with settings that mirror the run flags. Plain
// structs and pure functions, torch-free: `run` reads them, `tune --save-config` writes them.
//
//   {"torchbench_config": 1, "suite": "nightly-cpu",
//    "defaults": {"variants": ["naive=grad", "fast=inference-mode,freeze,optimize"], "timing": {"max_time": 5}},
//    "models": [{"model": "builtin:mlp"}, {"model": "models/resnet50.pt", "timing": {"max_time": 10}}]}
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/run_settings.hpp"

namespace tb {

inline constexpr int kConfigVersion = 1;        // "torchbench_config"
inline constexpr std::size_t kMaxConfigBytes = 16u << 20;  // a config is text a person writes

struct SuiteEntry {
  std::string model;       // as written: builtin:NAME[:k=v,...] or a path relative to the config file
  SettingsLayer settings;  // the entry's own keys; they win over the defaults and the command line
};

struct SuiteConfig {
  std::string suite;        // the suite's name: letters, digits, '-', '_', '.', '+'
  std::string description;  // free text, "" when absent
  SettingsLayer defaults;   // the keys of "defaults"
  std::vector<SuiteEntry> models;
  std::string source;       // the file as given, which every later message names; not written back
};

// Parses a config file's text. Every error is a UsageError (exit 2) of one line naming
// `source` and the JSON path: "nightly.json: models[2].timing.max_tim: unknown key (did you
// mean 'max_time'?)". Values go through the run flags' own parsers (run_settings.hpp); rules
// that need several values (--min-iters above --max-iters) are checked by entry_settings.
SuiteConfig parse_suite_config(std::string_view text, const std::string& source);

// The config as a file that parse_suite_config reads back to the same config: 2-space
// indents, keys in the order of docs/config.md, a final newline.
std::string to_config_json(const SuiteConfig& config);

// The settings entry `index` runs with: the run's defaults, then the config's defaults, then
// `overrides` (the flags given on the command line), then the entry's own keys; validated.
// Throws UsageError "nightly.json: models[1] (builtin:mlp): --min-iters (50) is above ...".
RunSettings entry_settings(const SuiteConfig& config, std::size_t index, const SettingsLayer& overrides = {});

// Where entry `model` is loaded from: a relative path is relative to the config file's
// directory (`config_dir`); built-ins and absolute paths as written.
std::string resolve_model_path(const std::string& model, const std::filesystem::path& config_dir);

}  // namespace tb
