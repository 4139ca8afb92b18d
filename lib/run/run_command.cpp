#include "run/run_command.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "core/input_spec.hpp"
#include "core/model_ref.hpp"
#include "core/variant_spec.hpp"
#include "measure/runtime_info.hpp"
#include "model/builtin_models.hpp"
#include "model/model_check.hpp"
#include "passes/pass.hpp"
#include "report/environment.hpp"
#include "report/table.hpp"
#include "core/schedule.hpp"
#include "run/scheduler.hpp"
#include "util/bootstrap.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"
#include "util/interrupt.hpp"
#include "util/markup.hpp"
#include "util/statistics.hpp"
#include "util/strings.hpp"
#include "util/subprocess.hpp"
#include "util/system_info.hpp"
#include "util/temp_dir.hpp"

namespace tb::run {
namespace {

std::vector<VariantSpec> resolve_variants(const RunOptions& options, const c10::Device& device) {
  std::vector<VariantSpec> variants;
  for (const auto& text : options.variants.empty() ? default_variants() : options.variants) {
    variants.push_back(parse_variant(text));
  }
  std::vector<SweepSpec> sweeps;
  for (const auto& text : options.sweeps) {
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
    passes::validate_variant(variant, device);
  }
  return variants;
}

std::size_t baseline_index(const std::vector<VariantSpec>& variants, const std::string& baseline) {
  if (baseline.empty()) return 0;
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    if (variants[i].name == baseline) return i;
    names.push_back(variants[i].name);
  }
  throw UsageError("--baseline '" + baseline + "' is not one of the variants" + did_you_mean(baseline, names) +
                   "; variants: " + join(names, ", "));
}

// Test-only fault injection (docs/architecture.md): TORCHBENCH_TEST_FAULT=VARIANT:KIND makes
// that variant's worker segfault, abort, throw, exit or hang.
std::string injected_fault(const std::string& variant) {
  const char* spec = std::getenv("TORCHBENCH_TEST_FAULT");
  if (!spec) return "";
  const std::string text(spec);
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || text.substr(0, colon) != variant) return "";
  return text.substr(colon + 1);
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

// The models of the run, parsed, each once; none given means the default built-in.
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

std::string signal_name(int number) {
  const char* abbrev = sigabbrev_np(number);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(number);
}

}  // namespace

std::vector<std::string> default_variants() {
  return {"naive=grad", "no-grad=no-grad", "inference-mode=inference-mode",
          "optimized=inference-mode,freeze,optimize"};
}


int run_command(const RunOptions& options) {
  // Everything that can be checked without running a model is checked first.
  const auto model_refs = resolve_models(options.models);
  std::vector<InputSpec> inputs;
  for (const auto& text : options.inputs) inputs.push_back(parse_input_spec(text));
  measure::check_device(options.device);
  validate_for_device(options.timing, options.device);
  const auto variants = resolve_variants(options, c10::Device(options.device));
  const auto baseline = baseline_index(variants, options.baseline);
  check_gate_rules(options.gates, variants, variants[baseline].name);
  validate(options.timing);
  validate(options.schedule);
  if (options.seed < 0) throw UsageError("--seed must be 0 or more");
  if (options.variant_timeout_seconds &&
      !(*options.variant_timeout_seconds > 0 && std::isfinite(*options.variant_timeout_seconds))) {
    throw UsageError("--variant-timeout must be a number of seconds more than 0 (leave it out for no limit)");
  }
  if (options.variant_memory_limit_bytes && *options.variant_memory_limit_bytes <= 0) {
    throw UsageError("--variant-memory-limit must be more than 0 bytes (leave it out for no limit)");
  }
  if (!options.output.empty() && options.output != "-") check_writable_destination(options.output);
  for (const auto& ref : model_refs) model::check_model_ref(ref);

  // Checked before the workers load the machine; shown under the table, so that a run
  // that stops with an error still prints one line only.
  const auto warnings = report::machine_warnings(read_system_info(), options.device);
  InterruptGuard interrupt;
  std::signal(SIGPIPE, SIG_IGN);  // a worker that dies must not take the run with it
  TempDir work_dir;
  std::vector<WorkerJob> jobs;
  std::vector<std::size_t> baseline_of;  // per job: the job of its model's baseline variant
  for (const auto& ref : model_refs) {
    const auto model_baseline = jobs.size() + baseline;
    for (const auto& variant : variants) {
      WorkerJob job;
      job.model = ref.text();
      job.inputs = inputs;
      job.variant = variant;
      job.device = options.device;
      job.seed = static_cast<std::uint64_t>(options.seed);
      job.timing = options.timing;
      job.fault = injected_fault(variant.name);
      job.memory_limit_bytes = options.variant_memory_limit_bytes;
      jobs.push_back(std::move(job));
      baseline_of.push_back(model_baseline);
    }
  }
  const WorkerSettings settings{current_executable(), work_dir.path(), options.variant_timeout_seconds,
                                InterruptGuard::flag()};
  const MeasureSettings measure{options.timing, options.schedule, static_cast<std::uint64_t>(options.seed), options.quiet,
                                model_refs.size() > 1};
  auto outcomes = measure_jobs(measure, settings, std::move(jobs), std::move(baseline_of), interrupt);
  bool any_gate_failed = false;
  for (auto& o : outcomes) {
    if (o.is_baseline || o.status != "ok" || !o.result) continue;
    const auto gate = gate_for(options.gates, o.variant.name);
    if (gate.empty()) continue;
    o.gate = check_gate(gate, o.result->accuracy, o.result->accuracy_note);
    any_gate_failed |= !o.gate->passed();
  }

  const std::string interrupted_by = interrupt.signal() ? signal_name(interrupt.signal()) : "";
  bool any_failed = false;
  for (const auto& o : outcomes) any_failed |= o.status == "failed";
  // A failed variant outweighs a broken gate: its accuracy was never checked.
  const int exit_code = static_cast<int>(any_failed || !interrupted_by.empty() ? ExitCode::partial
                                         : any_gate_failed                     ? ExitCode::gate_failed
                                                                               : ExitCode::ok);

  std::ostream& table_stream = options.output == "-" ? std::cerr : std::cout;
  std::vector<std::string> model_texts;
  for (const auto& ref : model_refs) {
    model_texts.push_back(ref.text());
    std::vector<report::VariantOutcome> of_model;
    for (const auto& o : outcomes) {
      if (o.model == ref.text()) of_model.push_back(o);
    }
    // The path is the user's, but may hold anything a file name can: no terminal control.
    table_stream << "\nmodel " << printable(ref.text()) << " on " << options.device << "\n"
                 << report::render_table(of_model, options.timing, options.schedule);
  }
  for (const auto& warning : warnings) table_stream << "  warning: " << warning << "\n";
  table_stream << std::flush;

  if (!options.output.empty()) {
    report::RunConfig config{model_texts, options.inputs, variants, variants[baseline].name,
                             options.device, static_cast<std::uint64_t>(options.seed), options.timing,
                             options.variant_timeout_seconds, options.schedule, options.gates,
                             options.variant_memory_limit_bytes};
    const auto environment =
        report::environment_json(read_system_info(), measure::libtorch_info(), options.device);
    const auto text = report::build_report(config, environment, outcomes, exit_code, interrupted_by, warnings)
                          .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                      "\n";  // invalid UTF-8 (a model's own error message) becomes U+FFFD
    if (options.output == "-") {
      errno = 0;
      std::cout << text << std::flush;
      if (!std::cout) {
        throw UsageError(std::string("cannot write the report to standard output (") +
                         (errno ? std::strerror(errno) : "write error") + "); free space or give -o FILE");
      }
    } else {
      write_file_atomic(options.output, text);
      if (!options.quiet) std::cerr << "report written to " << options.output << "\n";
    }
  }
  if (!interrupted_by.empty()) {
    std::size_t finished = 0;
    for (const auto& o : outcomes) finished += o.status == "ok";
    throw Error(ExitCode::partial, "interrupted by " + interrupted_by + ": " + std::to_string(finished) + " of " +
                                       std::to_string(outcomes.size()) + " variants finished" +
                                       (options.output.empty() ? "" : "; the report holds them"));
  }
  return exit_code;
}

}  // namespace tb::run
