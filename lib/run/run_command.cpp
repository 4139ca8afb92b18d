#include "run/run_command.hpp"

#include <cstdlib>
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
#include "run/worker_launcher.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"
#include "util/interrupt.hpp"
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

std::string progress_line(const report::VariantOutcome& o, std::size_t done, std::size_t total) {
  std::string line = fmt::format("[{}/{}] {}: ", done, total, o.variant.name);
  if (o.status != "ok") return line + (o.status == "failed" ? "FAILED: " : "skipped: ") + o.error;
  const auto s = summarize(o.result->samples_ms);
  return line + fmt::format("median {:.4g} ms, cv {:.1f}%, {} iterations, {:.1f} s", s.median, s.cv * 100,
                            s.count, o.worker_wall_seconds);
}

// A baseline that cannot load its model, build its inputs or survive its first call means
// every variant would fail the same way: the run stops with that error (exit 3, or 2 for
// bad built-in parameters) instead of a partial report.
void stop_if_model_or_input_error(const report::VariantOutcome& baseline) {
  if (baseline.status == "ok" || !baseline.result) return;
  const auto& r = *baseline.result;
  if (r.failure != FailureStage::load && r.failure != FailureStage::inputs && r.failure != FailureStage::first_run) {
    return;
  }
  auto message = r.error;
  if (r.failure == FailureStage::first_run) {
    std::vector<std::string> shapes;
    for (const auto& input : r.inputs) shapes.push_back(to_string(input));
    message = "the model failed on its first call with inputs " + join(shapes, ", ") + ": " + r.error +
              "; check --input (one per model input, with the right shape and dtype)";
  }
  throw Error(static_cast<ExitCode>(r.error_exit_code), message);
}

report::VariantOutcome skipped_outcome(const std::string& model, const VariantSpec& variant, bool is_baseline) {
  report::VariantOutcome outcome;
  outcome.model = model;
  outcome.variant = variant;
  outcome.is_baseline = is_baseline;
  outcome.status = "skipped";
  outcome.error = "not run: the run was interrupted";
  return outcome;
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
  const auto model_text = options.model.value_or("builtin:" + std::string(model::builtin_model_table().front().name));
  const auto model_ref = parse_model_ref(model_text);
  std::vector<InputSpec> inputs;
  for (const auto& text : options.inputs) inputs.push_back(parse_input_spec(text));
  measure::check_device(options.device);
  const auto variants = resolve_variants(options, c10::Device(options.device));
  const auto baseline = baseline_index(variants, options.baseline);
  validate(options.timing);
  if (options.seed < 0) throw UsageError("--seed must be 0 or more");
  if (options.variant_timeout_seconds && !(*options.variant_timeout_seconds > 0)) {
    throw UsageError("--variant-timeout must be more than 0 seconds");
  }
  if (!options.output.empty() && options.output != "-") check_writable_destination(options.output);
  model::check_model_ref(model_ref);

  InterruptGuard interrupt;
  TempDir work_dir;
  WorkerLauncher launcher(current_executable(), work_dir.path(), options.variant_timeout_seconds,
                          InterruptGuard::flag());
  std::vector<std::size_t> order = {baseline};
  for (std::size_t i = 0; i < variants.size(); ++i) {
    if (i != baseline) order.push_back(i);
  }
  std::vector<report::VariantOutcome> outcomes(variants.size());
  std::ostream& progress = std::cerr;
  bool have_reference = false;
  for (std::size_t n = 0; n < order.size(); ++n) {
    const auto index = order[n];
    if (interrupt.signal()) {
      outcomes[index] = skipped_outcome(model_ref.text(), variants[index], index == baseline);
      continue;
    }
    WorkerJob job;
    job.model = model_ref.text();
    job.inputs = inputs;
    job.variant = variants[index];
    job.device = options.device;
    job.seed = static_cast<std::uint64_t>(options.seed);
    job.timing = options.timing;
    job.outputs_path = index == baseline ? launcher.outputs_path(index).string() : "";
    job.reference_outputs = have_reference ? launcher.outputs_path(baseline).string() : "";
    job.fault = injected_fault(job.variant.name);
    auto outcome = launcher.run(job, index);
    outcome.is_baseline = index == baseline;
    if (index == baseline) {
      stop_if_model_or_input_error(outcome);
      have_reference = outcome.status == "ok";
    } else if (!have_reference && outcome.result && outcome.status == "ok") {
      outcome.result->accuracy_note = "no accuracy: the baseline failed";
    }
    if (!options.quiet) progress << progress_line(outcome, n + 1, order.size()) << std::endl;
    outcomes[index] = std::move(outcome);
  }

  const std::string interrupted_by = interrupt.signal() ? signal_name(interrupt.signal()) : "";
  bool any_failed = false;
  for (const auto& o : outcomes) any_failed |= o.status == "failed";
  // Skipped variants alone (a pass this LibTorch cannot run) keep 0; an interrupted run is
  // partial even though its unfinished variants are only skipped.
  const bool partial = any_failed || !interrupted_by.empty();
  const int exit_code = static_cast<int>(partial ? ExitCode::partial : ExitCode::ok);

  std::ostream& table_stream = options.output == "-" ? std::cerr : std::cout;
  table_stream << "\nmodel " << model_ref.text() << " on " << options.device << "\n"
               << report::render_table(outcomes, options.timing) << std::flush;

  if (!options.output.empty()) {
    report::RunConfig config{model_ref.text(), options.inputs, variants, variants[baseline].name,
                             options.device, static_cast<std::uint64_t>(options.seed), options.timing,
                             options.variant_timeout_seconds};
    const auto environment =
        report::environment_json(read_system_info(), measure::libtorch_info(), options.device);
    const auto text = report::build_report(config, environment, outcomes, exit_code, interrupted_by).dump(2) + "\n";
    if (options.output == "-") {
      std::cout << text << std::flush;
    } else {
      write_file_atomic(options.output, text);
      if (!options.quiet) progress << "report written to " << options.output << "\n";
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
