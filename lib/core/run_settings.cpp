#include "core/run_settings.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/device_timing.hpp"
#include "core/input_spec.hpp"
#include "core/variant_spec.hpp"
#include "util/strings.hpp"

namespace tb {
namespace {

using json = nlohmann::json;

std::string shown(const json& value) {
  auto text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

// --- How each kind of value is read from and written to JSON ------------------------------
// read() throws SettingValueError saying what the value must be.

struct Text {
  static std::string read(const json& v) {
    if (!v.is_string()) throw SettingValueError("must be a string, got " + shown(v));
    return v.get<std::string>();
  }
  static json write(const std::string& value) { return value; }
};

struct Bool {
  static bool read(const json& v) {
    if (!v.is_boolean()) throw SettingValueError("must be true or false, got " + shown(v));
    return v.get<bool>();
  }
  static json write(bool value) { return value; }
};

struct Integer {
  static std::int64_t read(const json& v) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
      throw SettingValueError("must be an integer that fits 64 bits, got " + shown(v));
    }
    if (!v.is_number_integer()) throw SettingValueError("must be an integer, got " + shown(v));
    return v.get<std::int64_t>();
  }
  static json write(std::int64_t value) { return value; }
};

struct Seconds {
  static double read(const json& v) {
    if (!v.is_number()) throw SettingValueError("must be a number of seconds, got " + shown(v));
    return v.get<double>();
  }
  static json write(double value) { return value; }
};

// null means "no limit", as leaving the flag out does.
struct OptionalSeconds {
  static std::optional<double> read(const json& v) {
    if (v.is_null()) return std::nullopt;
    if (!v.is_number()) throw SettingValueError("must be a number of seconds or null (no limit), got " + shown(v));
    return v.get<double>();
  }
  static json write(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }
};

// An array of strings, each checked by `Check` (the flag's own parser).
template <void (*Check)(std::string_view)>
struct TextList {
  static std::vector<std::string> read(const json& v) {
    if (!v.is_array()) throw SettingValueError("must be an array of strings, got " + shown(v));
    std::vector<std::string> items;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) throw SettingValueError("must be a string, got " + shown(v[i]), i);
      items.push_back(v[i].get<std::string>());
      try {
        Check(items.back());
      } catch (const UsageError& e) {
        throw SettingValueError(e.what(), i);
      }
    }
    return items;
  }
  static json write(const std::vector<std::string>& items) { return items; }
};

void check_variant(std::string_view text) { parse_variant(text); }
void check_sweep(std::string_view text) { parse_sweep(text); }
void check_input(std::string_view text) { parse_input_spec(text); }

struct TimingModeValue {
  static TimingMode read(const json& v) { return parse_timing_option(Text::read(v)); }
  static json write(TimingMode mode) { return std::string(to_string(mode)); }
};

struct ScheduleModeValue {
  static ScheduleMode read(const json& v) { return parse_schedule_mode(Text::read(v)); }
  static json write(ScheduleMode mode) { return to_string(mode); }
};

// "1%", like the flag: a bare number is ambiguous (1 or 1%?).
struct Precision {
  static std::optional<double> read(const json& v) {
    if (v.is_null()) return std::nullopt;
    if (!v.is_string()) throw SettingValueError("must be a percentage as a string, e.g. \"1%\", got " + shown(v));
    return parse_target_precision(v.get<std::string>());
  }
  static json write(const std::optional<double>& value) {
    return value ? json(fmt::format("{:.12g}%", *value * 100)) : json(nullptr);
  }
};

// "4G", "512M", or a number of bytes.
struct MemoryLimit {
  static std::optional<std::int64_t> read(const json& v) {
    if (v.is_null()) return std::nullopt;
    if (v.is_number_integer()) return parse_memory_limit(v.dump());
    if (!v.is_string()) throw SettingValueError("must be a size such as \"2G\" or a number of bytes, got " + shown(v));
    return parse_memory_limit(v.get<std::string>());
  }
  static json write(const std::optional<std::int64_t>& value) { return value ? json(*value) : json(nullptr); }
};

// --- Where each setting lives in RunSettings -------------------------------------------------

template <auto Member>
struct Field {
  static auto& get(RunSettings& s) { return s.*Member; }
  static const auto& get(const RunSettings& s) { return s.*Member; }
};

template <auto Group, auto Member>
struct Nested {
  static auto& get(RunSettings& s) { return (s.*Group).*Member; }
  static const auto& get(const RunSettings& s) { return (s.*Group).*Member; }
};

template <class At>
void copy_value(const RunSettings& from, RunSettings& to) {
  At::get(to) = At::get(from);
}

template <class At, class Value>
void read_value(const json& v, RunSettings& to) {
  At::get(to) = Value::read(v);
}

template <class At, class Value>
json write_value(const RunSettings& from) {
  return Value::write(At::get(from));
}

template <class At, class Value>
constexpr SettingKey setting(std::string_view key, std::string_view flag) {
  return {key, flag, &copy_value<At>, &read_value<At, Value>, &write_value<At, Value>};
}

// The rules of one accuracy metric: the gate options are repeatable, like a list.
template <GateMetric Metric>
void copy_gates(const RunSettings& from, RunSettings& to) {
  std::erase_if(to.gates, [](const GateRule& r) { return r.metric == Metric; });
  for (const auto& rule : from.gates) {
    if (rule.metric == Metric) to.gates.push_back(rule);
  }
}

template <GateMetric Metric>
void read_gates(const json& v, RunSettings& to) {
  if (!v.is_array()) {
    throw SettingValueError("must be an array of limits, e.g. [\"1e-4\"] or [\"int8=0.99\"], got " + shown(v));
  }
  std::vector<GateRule> rules;
  for (std::size_t i = 0; i < v.size(); ++i) {
    // A bare number is the limit as the flag would take it.
    if (!v[i].is_string() && !v[i].is_number()) {
      throw SettingValueError("must be a limit such as \"1e-4\" or \"VARIANT=LIMIT\", got " + shown(v[i]), i);
    }
    try {
      rules.push_back(parse_gate_rule(Metric, v[i].is_string() ? v[i].get<std::string>() : v[i].dump()));
    } catch (const UsageError& e) {
      throw SettingValueError(e.what(), i);
    }
  }
  std::erase_if(to.gates, [](const GateRule& r) { return r.metric == Metric; });
  to.gates.insert(to.gates.end(), rules.begin(), rules.end());
}

template <GateMetric Metric>
json write_gates(const RunSettings& from) {
  json items = json::array();
  for (const auto& rule : from.gates) {
    if (rule.metric != Metric) continue;
    const auto limit = fmt::format("{}", rule.limit);
    items.push_back(rule.variant.empty() ? limit : rule.variant + "=" + limit);
  }
  return items;
}

template <GateMetric Metric>
constexpr SettingKey gate_setting(std::string_view key, std::string_view flag) {
  return {key, flag, &copy_gates<Metric>, &read_gates<Metric>, &write_gates<Metric>};
}

using R = RunSettings;
using T = TimingOptions;
using S = ScheduleOptions;

// One row per run flag that a config file can set. The order is the order of docs/config.md
// and of written configs.
const std::array kSettings = {
    setting<Field<&R::device>, Text>("device", "--device"),
    setting<Field<&R::seed>, Integer>("seed", "--seed"),
    setting<Field<&R::inputs>, TextList<check_input>>("inputs", "--input"),
    setting<Field<&R::variants>, TextList<check_variant>>("variants", "--variant"),
    setting<Field<&R::baseline>, Text>("baseline", "--baseline"),
    setting<Field<&R::sweeps>, TextList<check_sweep>>("sweeps", "--sweep"),
    setting<Nested<&R::timing, &T::warmup_iters>, Integer>("timing.warmup_iters", "--warmup-iters"),
    setting<Nested<&R::timing, &T::warmup_seconds>, Seconds>("timing.warmup_time", "--warmup-time"),
    setting<Nested<&R::timing, &T::min_iters>, Integer>("timing.min_iters", "--min-iters"),
    setting<Nested<&R::timing, &T::min_seconds>, Seconds>("timing.min_time", "--min-time"),
    setting<Nested<&R::timing, &T::max_seconds>, Seconds>("timing.max_time", "--max-time"),
    setting<Nested<&R::timing, &T::max_iters>, Integer>("timing.max_iters", "--max-iters"),
    setting<Nested<&R::timing, &T::mode>, TimingModeValue>("timing.mode", "--timing"),
    setting<Nested<&R::timing, &T::include_transfers>, Bool>("timing.include_transfers", "--include-transfers"),
    setting<Nested<&R::schedule, &S::mode>, ScheduleModeValue>("schedule.mode", "--schedule"),
    setting<Nested<&R::schedule, &S::rounds>, Integer>("schedule.rounds", "--rounds"),
    setting<Nested<&R::schedule, &S::processes>, Integer>("schedule.processes", "--processes"),
    setting<Nested<&R::schedule, &S::target_precision>, Precision>("schedule.target_precision",
                                                                    "--target-precision"),
    gate_setting<GateMetric::max_abs_err>("gates.max_abs_err", "--max-abs-err"),
    gate_setting<GateMetric::max_rel_err>("gates.max_rel_err", "--max-rel-err"),
    gate_setting<GateMetric::min_cosine>("gates.min_cosine", "--min-cosine"),
    setting<Field<&R::variant_timeout_seconds>, OptionalSeconds>("variant_timeout", "--variant-timeout"),
    setting<Field<&R::variant_memory_limit_bytes>, MemoryLimit>("variant_memory_limit", "--variant-memory-limit"),
};

}  // namespace

void validate(const RunSettings& s) {
  validate(s.timing);
  validate(s.schedule);
  if (s.seed < 0) throw UsageError("--seed must be 0 or more");
  if (s.variant_timeout_seconds && !(*s.variant_timeout_seconds > 0 && std::isfinite(*s.variant_timeout_seconds))) {
    throw UsageError("--variant-timeout must be a number of seconds more than 0 (leave it out for no limit)");
  }
  if (s.variant_memory_limit_bytes && *s.variant_memory_limit_bytes <= 0) {
    throw UsageError("--variant-memory-limit must be more than 0 bytes (leave it out for no limit)");
  }
  validate_for_device(s.timing, s.device);
}

TimingMode parse_timing_option(std::string_view text) {
  const auto mode = parse_timing_mode(text);
  if (!mode) {
    throw UsageError("--timing takes latency or throughput (got '" + std::string(text) + "'" +
                     did_you_mean(text, std::vector<std::string_view>{"latency", "throughput"}) + ")");
  }
  return *mode;
}

double parse_target_precision(std::string_view text) {
  const auto value = parse_percent(text);
  if (!value) throw UsageError("--target-precision needs a percentage such as 1% (got '" + std::string(text) + "')");
  return *value;
}

std::int64_t parse_memory_limit(std::string_view text) {
  const auto bytes = parse_byte_size(text);
  if (!bytes) {
    throw UsageError("--variant-memory-limit needs a size such as 2G or 512M (got '" + std::string(text) + "')");
  }
  return *bytes;
}

std::span<const SettingKey> setting_keys() { return kSettings; }

const SettingKey* find_setting(std::string_view key) {
  for (const auto& s : kSettings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

const SettingKey* find_setting_by_flag(std::string_view flag) {
  for (const auto& s : kSettings) {
    if (s.flag == flag) return &s;
  }
  return nullptr;
}

void SettingsLayer::set(std::string_view key, const RunSettings& from) {
  const auto* setting = find_setting(key);
  if (!setting) throw std::invalid_argument("unknown setting '" + std::string(key) + "'");
  setting->copy(from, values);
  keys.insert(std::string(key));
}

bool SettingsLayer::operator==(const SettingsLayer& other) const {
  return keys == other.keys && layer_json(*this) == layer_json(other);
}

RunSettings resolve_settings(std::span<const SettingsLayer* const> layers) {
  RunSettings settings;
  bool rounds_given = false;
  for (const auto* layer : layers) {
    for (const auto& s : kSettings) {
      if (layer->has(s.key)) s.copy(layer->values, settings);
    }
    rounds_given |= layer->has("schedule.rounds");
  }
  if (!rounds_given) settings.schedule.rounds = default_rounds(settings.schedule.processes);
  return settings;
}

nlohmann::ordered_json layer_json(const SettingsLayer& layer) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& s : kSettings) {
    if (!layer.has(s.key)) continue;
    const auto value = nlohmann::ordered_json::parse(s.write(layer.values).dump());
    if (const auto dot = s.key.find('.'); dot != std::string_view::npos) {
      object[std::string(s.key.substr(0, dot))][std::string(s.key.substr(dot + 1))] = value;
    } else {
      object[std::string(s.key)] = value;
    }
  }
  return object;
}

}  // namespace tb
