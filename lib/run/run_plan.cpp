#include "run/run_plan.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/shard.hpp"
#include "core/suite_config.hpp"
#include "measure/runtime_info.hpp"
#include "model/builtin_models.hpp"
#include "model/model_check.hpp"
#include "passes/pass.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"
#include "util/markup.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

namespace tb::run {
namespace {

std::vector<VariantSpec> resolve_variants(const RunSettings& settings, const c10::Device& device,
                                          passes::DeviceChecks device_checks) {
  std::vector<VariantSpec> variants;
  for (const auto& text : settings.variants.empty() ? default_variants() : settings.variants) {
    variants.push_back(parse_variant(text));
  }
  std::vector<SweepSpec> sweeps;
  for (const auto& text : settings.sweeps) {
    sweeps.push_back(parse_sweep(text));
    const auto& key = sweeps.back().key;
    if (!passes::find_pass(key)) {
      throw UsageError("--sweep '" + text + "': '" + key + "' is not a pass" + did_you_mean(key, passes::pass_names()) +
                       "; sweep a pass that takes a value, e.g. batch=1,8,32");
    }
  }
  variants = expand_sweeps(variants, sweeps);
  std::set<std::string> names;
  for (const auto& variant : variants) {
    if (!names.insert(variant.name).second) {
      throw UsageError("variant name '" + variant.name + "' is used twice; give each --variant its own name");
    }
    passes::validate_variant(variant, device, device_checks);
  }
  return variants;
}

// The variant named `baseline`; with --sweep, a variant's own name picks its first sweep point
// (`naive` is `naive/batch=1` of `--sweep batch=1,8`).
std::size_t baseline_index(const std::vector<VariantSpec>& variants, const std::string& baseline) {
  if (baseline.empty()) return 0;
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    if (variants[i].name == baseline) return i;
    names.push_back(variants[i].name);
  }
  for (std::size_t i = 0; i < variants.size(); ++i) {
    if (variants[i].name.starts_with(baseline + "/")) return i;
  }
  throw UsageError("--baseline '" + baseline + "' is not one of the variants" + did_you_mean(baseline, names) +
                   "; variants: " + join(names, ", "));
}

// Every gate rule must name a variant of the run (or its sweep base name), not the baseline.
void check_gate_rules(const std::vector<GateRule>& rules, const std::vector<VariantSpec>& variants,
                      const std::string& baseline) {
  std::vector<std::string> names;
  for (const auto& v : variants) {
    names.push_back(v.name);
    names.push_back(v.name.substr(0, v.name.find('/')));
  }
  std::vector<std::string_view> views(names.begin(), names.end());
  for (const auto& rule : rules) {
    if (rule.variant.empty()) continue;
    if (std::find(names.begin(), names.end(), rule.variant) == names.end()) {
      std::vector<std::string_view> variant_names;
      for (const auto& v : variants) variant_names.push_back(v.name);
      throw UsageError(std::string(option_name(rule.metric)) + ": no variant is named '" + rule.variant + "'" +
                       did_you_mean(rule.variant, views) + "; variants: " + join(variant_names, ", "));
    }
    if (rule.variant == baseline) {
      throw UsageError(std::string(option_name(rule.metric)) + ": '" + rule.variant +
                       "' is the baseline, the reference the others are checked against; gate another variant");
    }
  }
}

// The models of a plain run, parsed, each once; none given means the default built-in.
std::vector<ModelRef> resolve_models(const std::vector<std::string>& texts) {
  if (texts.empty()) return {parse_model_ref("builtin:" + std::string(model::builtin_model_table().front().name))};
  std::vector<ModelRef> refs;
  std::set<std::string> seen;
  for (const auto& text : texts) {
    refs.push_back(parse_model_ref(text));
    if (!seen.insert(refs.back().text()).second) {
      throw UsageError("model '" + printable(text) + "' is given twice; give each model once");
    }
  }
  return refs;
}

// Runs `check`; an error gets the entry's place in the suite in front ("smoke.json: models[1]
// (builtin:mlp): ..."), keeping its exit code.
template <typename Check>
void in_entry(const PlannedEntry& entry, Check&& check) {
  try {
    check();
  } catch (const Error& e) {
    if (entry.where.empty()) throw;
    throw Error(e.code(), entry.where + ": " + e.what());
  }
}

// Inputs, device, variants, baseline, gates and the settings of one entry. `device_check`:
// whether this machine must be able to use the entry's device (`--list` and the entries of
// other shards only need a valid device name).
void check_entry(PlannedEntry& entry, measure::DeviceCheck device_check, std::string& device_note) {
  in_entry(entry, [&] {
    for (const auto& text : entry.settings.inputs) entry.inputs.push_back(parse_input_spec(text));
    measure::check_device(entry.settings.device, device_check);
    auto pass_checks = passes::DeviceChecks::run;
    if (device_check == measure::DeviceCheck::syntax) {
      try {
        measure::check_device(entry.settings.device);
      } catch (const UsageError& e) {
        device_note = e.what();
        pass_checks = passes::DeviceChecks::skip;
      }
    }
    entry.variants = resolve_variants(entry.settings, c10::Device(entry.settings.device), pass_checks);
    entry.baseline = baseline_index(entry.variants, entry.settings.baseline);
    check_gate_rules(entry.settings.gates, entry.variants, entry.variants[entry.baseline].name);
    validate(entry.settings);
  });
}

// A config file: the bytes its digest is computed over. Errors are usage errors (exit 2).
std::string read_config(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw UsageError("config file '" + path + "' does not exist; give a suite config (docs/config.md; examples "
                     "in configs/)");
  }
  if (std::filesystem::is_directory(status)) {
    throw UsageError("config file '" + path + "' is a directory; give a JSON config file");
  }
  if (std::filesystem::is_regular_file(status) && std::filesystem::file_size(path, ec) > kMaxConfigBytes) {
    throw UsageError(fmt::format("config file '{}' is larger than {} MiB; a config lists models, it does not "
                                 "hold them",
                                 path, kMaxConfigBytes >> 20));
  }
  return read_file(path);
}

nlohmann::json plain_json(const nlohmann::ordered_json& value) { return nlohmann::json::parse(value.dump()); }

RunPlan plan_suite(const RunOptions& options, bool list) {
  if (!options.models.empty()) {
    throw UsageError("--config runs the models its file lists; give --config FILE or MODEL arguments, not both (got "
                     "'" + printable(options.models.front()) + "')");
  }
  const auto shard = options.shard.empty() ? std::nullopt : std::optional<Shard>(parse_shard(options.shard));
  const auto text = read_config(options.config);
  const auto config = parse_suite_config(text, options.config);
  SettingsLayer overrides;
  for (const auto& key : options.given) overrides.set(key, options);

  RunPlan plan;
  auto& suite = plan.suite.emplace();
  suite.name = config.suite;
  suite.description = config.description;
  suite.file = options.config;
  suite.digest = sha256_hex(text);
  suite.entries = static_cast<std::int64_t>(config.models.size());
  if (shard) suite.shard = std::pair{shard->index, shard->count};
  suite.overrides = plain_json(layer_json(overrides));

  const auto config_dir = std::filesystem::path(options.config).parent_path();
  std::map<std::string, std::size_t> loaded;  // the file each entry loads -> the entry
  for (std::size_t i = 0; i < config.models.size(); ++i) {
    const auto& written = config.models[i].model;
    PlannedEntry entry;
    entry.index = static_cast<std::int64_t>(i);
    entry.where = fmt::format("{}: models[{}] ({})", options.config, i, written);
    entry.settings = entry_settings(config, i, overrides);
    const auto path = resolve_model_path(written, config_dir);
    entry.models = {parse_model_ref(path)};
    entry.names = {parse_model_ref(written).text()};
    if (const auto [it, added] = loaded.emplace(entry.models.front().text(), i); !added) {
      throw UsageError(fmt::format("{}: loads the same model as models[{}]; list each model once", entry.where,
                                   it->second));
    }
    const bool runs_here = !shard || in_shard(*shard, i);
    check_entry(entry, runs_here && !list ? measure::DeviceCheck::usable : measure::DeviceCheck::syntax,
                plan.device_note);
    if (runs_here) {
      plan.entries.push_back(std::move(entry));
    } else {
      // Another shard runs it, from the same checkout: a missing file fails every shard alike.
      in_entry(entry, [&] { model::check_model_ref(entry.models.front()); });
    }
  }
  if (!plan.entries.empty()) {
    plan.first = plan.entries.front().settings;
  } else {
    const SettingsLayer* layers[] = {&config.defaults, &overrides};
    plan.first = resolve_settings(layers);
  }
  return plan;
}

RunPlan plan_plain(const RunOptions& options, bool list) {
  if (!options.shard.empty()) {
    throw UsageError("--shard needs --config: it picks a slice of a suite's entries (docs/config.md)");
  }
  RunPlan plan;
  PlannedEntry entry;
  entry.models = resolve_models(options.models);
  for (const auto& ref : entry.models) entry.names.push_back(ref.text());
  entry.settings = options;
  check_entry(entry, list ? measure::DeviceCheck::syntax : measure::DeviceCheck::usable, plan.device_note);
  plan.first = entry.settings;
  plan.entries.push_back(std::move(entry));
  return plan;
}

std::string seconds(double s) { return fmt::format("{:g} s", s); }

}  // namespace

report::RunConfig PlannedEntry::run_config() const {
  return report::RunConfig{names,           settings.inputs,   variants,
                           variants[baseline].name, settings.device, static_cast<std::uint64_t>(settings.seed),
                           settings.timing, settings.variant_timeout_seconds, settings.schedule,
                           settings.gates,  settings.variant_memory_limit_bytes};
}

RunPlan plan_run(const RunOptions& options) {
  auto plan = options.config.empty() ? plan_plain(options, options.list) : plan_suite(options, options.list);
  if (!options.output.empty() && options.output != "-") check_writable_destination(options.output);
  // Last: the checks that touch the file system for every model of every entry.
  for (const auto& entry : plan.entries) {
    in_entry(entry, [&] {
      for (const auto& ref : entry.models) model::check_model_ref(ref);
    });
  }
  return plan;
}

void print_plan(const RunPlan& plan, std::ostream& out) {
  if (plan.suite) {
    const auto& s = *plan.suite;
    out << fmt::format("suite {} ({}, sha256:{}): {} entr{}", s.name, printable(s.file), s.digest.substr(0, 12),
                       s.entries, s.entries == 1 ? "y" : "ies");
    if (s.shard) {
      std::vector<std::string> indices;
      for (const auto& e : plan.entries) indices.push_back(fmt::format("models[{}]", e.index));
      out << fmt::format("; shard {}/{} runs {}", s.shard->first, s.shard->second,
                         indices.empty() ? std::string("none of them") : join(indices, ", "));
    }
    out << "\n";
    if (!s.overrides.empty()) out << "  command-line overrides: " << s.overrides.dump() << "\n";
  }
  for (const auto& e : plan.entries) {
    const auto& t = e.settings.timing;
    const auto& sc = e.settings.schedule;
    out << (plan.suite ? fmt::format("models[{}] ", e.index) : std::string("run of ")) << printable(join(e.names, ", "))
        << "\n";
    if (e.models.size() == 1 && e.models.front().text() != e.names.front()) {
      out << "  loads " << printable(e.models.front().text()) << "\n";
    }
    out << fmt::format("  device {}, seed {}, inputs {}\n", e.settings.device, e.settings.seed,
                       e.settings.inputs.empty() ? std::string("from the model") : join(e.settings.inputs, " "));
    out << fmt::format("  warm-up {} iterations and {}; measure {} iterations and {}, at most {} iterations or {} "
                       "({} timing)\n",
                       t.warmup_iters, seconds(t.warmup_seconds), t.min_iters, seconds(t.min_seconds), t.max_iters,
                       seconds(t.max_seconds), to_string(t.mode));
    out << fmt::format("  {}, {} rounds, {} process{}{}{}{}\n", to_string(sc.mode), sc.rounds, sc.processes,
                       sc.processes == 1 ? "" : "es",
                       sc.target_precision ? fmt::format(", target precision ±{:g}%", *sc.target_precision * 100) : "",
                       e.settings.variant_timeout_seconds
                           ? ", variant timeout " + seconds(*e.settings.variant_timeout_seconds)
                           : "",
                       e.settings.variant_memory_limit_bytes
                           ? ", memory limit " + format_byte_size(*e.settings.variant_memory_limit_bytes)
                           : "");
    for (const auto& rule : e.settings.gates) {
      out << fmt::format("  gate {} {}{:g}\n", option_name(rule.metric), rule.variant.empty() ? "" : rule.variant + "=",
                         rule.limit);
    }
    std::size_t width = 0;
    for (const auto& v : e.variants) width = std::max(width, v.name.size());
    out << fmt::format("  {} variant{} (baseline {}):\n", e.variants.size(), e.variants.size() == 1 ? "" : "s",
                       e.variants[e.baseline].name);
    for (const auto& v : e.variants) out << fmt::format("    {:<{}}  {}\n", v.name, width, to_string(v.passes));
  }
  if (!plan.device_note.empty()) out << "not checked here: " << plan.device_note << "\n";
  out << "nothing was run (--list)\n";
}

}  // namespace tb::run
