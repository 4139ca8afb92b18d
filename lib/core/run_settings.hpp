#pragma once
// The settings of one `run` of a model (everything but the models and where the report
// goes), and the table that mirrors every run flag as a config-file key (docs/config.md):
// `--max-time` is `timing.max_time`. Flags and config values go through the same parsers
// and the same validate(), so both are accepted or refused alike. Torch-free: `run`, the
// config parser (core/suite_config.hpp) and `tune` share it.
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/gates.hpp"
#include "core/schedule.hpp"
#include "core/timing_options.hpp"
#include "util/errors.hpp"

namespace tb {

struct RunSettings {
  std::vector<std::string> inputs;    // --input, one per model input
  std::vector<std::string> variants;  // --variant NAME=PASSES; empty: run's default variants
  std::vector<std::string> sweeps;    // --sweep KEY=V1,V2
  std::string baseline;               // "" = the first variant
  std::string device = "cpu";
  std::int64_t seed = 0;              // 0 or more
  TimingOptions timing;
  ScheduleOptions schedule;
  std::vector<GateRule> gates;        // --max-abs-err, --max-rel-err, --min-cosine
  std::optional<double> variant_timeout_seconds;
  std::optional<std::int64_t> variant_memory_limit_bytes;  // RLIMIT_DATA of each worker
};

// Checks what a flag parser cannot see alone: the timing and schedule rules, the seed, the
// timeout and memory limit, --timing throughput on a CPU. Throws UsageError naming the flag.
void validate(const RunSettings& settings);

// The values of the text-valued flags; each throws UsageError naming the flag:
// `--timing` (latency | throughput), `--target-precision` ("1%" -> 0.01),
// `--variant-memory-limit` ("2G" -> bytes).
TimingMode parse_timing_option(std::string_view text);
double parse_target_precision(std::string_view text);
std::int64_t parse_memory_limit(std::string_view text);

// A config value that a key refuses; `item` names the array element at fault (nullopt: the
// value itself). The message says what is wrong, without the file or the key.
struct SettingValueError : UsageError {
  SettingValueError(const std::string& message, std::optional<std::size_t> item = std::nullopt)
      : UsageError(message), item(item) {}
  std::optional<std::size_t> item;
};

// One setting: its config key, the run flag it mirrors, and how to move its value.
struct SettingKey {
  std::string_view key;   // "timing.max_time": a group and a name, or a name alone ("seed")
  std::string_view flag;  // "--max-time"
  void (*copy)(const RunSettings& from, RunSettings& to);
  // Reads a config value into `to`; throws SettingValueError.
  void (*read)(const nlohmann::json& value, RunSettings& to);
  // The value as a config file writes it (what `read` reads back to the same setting).
  nlohmann::json (*write)(const RunSettings& from);
};

// Every setting, in the order a config file lists them (docs/config.md).
std::span<const SettingKey> setting_keys();
const SettingKey* find_setting(std::string_view key);       // nullptr when unknown
const SettingKey* find_setting_by_flag(std::string_view flag);  // "--max-time"

// Some settings as a config object or the command line gives them: the values of `keys`
// only; the rest of `values` is ignored.
struct SettingsLayer {
  RunSettings values;
  std::set<std::string> keys;

  bool has(std::string_view key) const { return keys.contains(std::string(key)); }
  // Takes `key`'s value from `from`. Throws std::invalid_argument for an unknown key.
  void set(std::string_view key, const RunSettings& from);
  bool operator==(const SettingsLayer& other) const;
};

// The run's defaults with each layer applied in order, later layers winning key by key.
// When no layer gives schedule.rounds, the rounds follow schedule.processes
// (default_rounds), as for `run` without --rounds.
RunSettings resolve_settings(std::span<const SettingsLayer* const> layers);

// A layer as a config object: groups as nested objects, keys in table order.
nlohmann::ordered_json layer_json(const SettingsLayer& layer);

}  // namespace tb
