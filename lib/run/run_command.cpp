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
#include "run/live_worker.hpp"
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

std::string signal_name(int number) {
  const char* abbrev = sigabbrev_np(number);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(number);
}

}  // namespace

std::vector<std::string> default_variants() {
  return {"naive=grad", "no-grad=no-grad", "inference-mode=inference-mode",
          "optimized=inference-mode,freeze,optimize"};
}

namespace {

// Every variant gets a live worker; rounds until each is complete (see core/schedule.hpp).
// In sequential mode the same steps run one variant at a time.
class Scheduler {
 public:
  Scheduler(const RunOptions& options, const WorkerSettings& settings, std::vector<WorkerJob> jobs,
            std::size_t baseline, InterruptGuard& interrupt)
      : options_(options), settings_(settings), jobs_(std::move(jobs)), baseline_(baseline), interrupt_(interrupt) {
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
      workers_.push_back(std::make_unique<LiveWorker>(settings_, jobs_[i], i));
      workers_.back()->outcome().is_baseline = i == baseline_;
    }
    order_ = {baseline_};
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
      if (i != baseline_) order_.push_back(i);
    }
  }

  std::vector<report::VariantOutcome> run() {
    if (options_.schedule.mode == ScheduleMode::interleaved) {
      for (const auto index : order_) start(index);
      measure_rounds(order_);
    } else {
      for (const auto index : order_) {
        start(index);
        measure_rounds({index});
        if (index == baseline_) finish(index);  // the others compare against its outputs
      }
    }
    for (const auto index : order_) finish(index);
    std::vector<report::VariantOutcome> outcomes;
    for (auto& worker : workers_) outcomes.push_back(worker->outcome());
    return outcomes;
  }

 private:
  void start(std::size_t index) {
    auto& worker = *workers_[index];
    if (interrupt_.signal()) return worker.skip("not run: the run was interrupted");
    const bool ok = worker.start();
    if (index == baseline_) stop_if_model_or_input_error(worker.outcome());
    if (!ok) report_failure(index);
  }

  void measure_rounds(const std::vector<std::size_t>& indices) {
    const auto round = round_timing(options_.timing, options_.schedule.rounds);
    std::vector<MeasureProgress> progress(jobs_.size());
    for (std::int64_t r = 0;; ++r) {
      std::vector<std::size_t> live;
      for (const auto index : indices) {
        if (workers_[index]->running() && !done(index, progress[index])) live.push_back(index);
      }
      if (live.empty() || interrupt_.signal()) break;
      const auto order = round_order(live, static_cast<std::uint64_t>(options_.seed), r);
      for (std::size_t position = 0; position < order.size() && !interrupt_.signal(); ++position) {
        const auto index = order[position];
        auto& worker = *workers_[index];
        auto& p = progress[index];
        if (process_of_round(options_.schedule, p.rounds) != worker.process_index() && !worker.restart()) {
          report_failure(index);
          continue;
        }
        const auto reply = worker.measure(RoundCommand{round, 1}, static_cast<std::int64_t>(position));
        if (!reply) {
          report_failure(index);
          continue;
        }
        ++p.rounds;
        p.iters += static_cast<std::int64_t>(reply->samples_ms.size());
        p.seconds += reply->elapsed_seconds;
        if (options_.schedule.target_precision) {
          p.relative_half_width = relative_ci_half_width(bootstrap_median_ci(worker.outcome().result->samples_ms));
        }
      }
      if (!options_.quiet && options_.schedule.mode == ScheduleMode::interleaved) {
        std::cerr << fmt::format("round {}: {} variant{}\n", r + 1, order.size(), order.size() == 1 ? "" : "s")
                  << std::flush;
      }
    }
    if (interrupt_.signal()) {
      for (const auto index : indices) {
        if (workers_[index]->running()) workers_[index]->skip("interrupted while measuring (partial samples kept)");
      }
    }
  }

  bool done(std::size_t, const MeasureProgress& progress) const {
    return measurement_complete(options_.timing, options_.schedule, progress);
  }

  void finish(std::size_t index) {
    auto& worker = *workers_[index];
    if (!worker.running()) return;
    if (interrupt_.signal()) return worker.skip("interrupted before its accuracy check");
    const auto& base = *workers_[baseline_];
    const bool have_reference = index != baseline_ && base.outcome().status == "ok";
    worker.finish(have_reference ? base.outputs_path().string() : "");
    auto& outcome = worker.outcome();
    if (index != baseline_ && !have_reference && outcome.result && outcome.status == "ok") {
      outcome.result->accuracy_note = "no accuracy: the baseline failed";
    }
    if (!options_.quiet) std::cerr << progress_line(outcome, ++reported_, jobs_.size()) << std::endl;
  }

  void report_failure(std::size_t index) {
    if (!options_.quiet) std::cerr << progress_line(workers_[index]->outcome(), ++reported_, jobs_.size()) << std::endl;
  }

  const RunOptions& options_;
  WorkerSettings settings_;
  std::vector<WorkerJob> jobs_;
  std::size_t baseline_;
  InterruptGuard& interrupt_;
  std::vector<std::unique_ptr<LiveWorker>> workers_;
  std::vector<std::size_t> order_;
  std::size_t reported_ = 0;
};

}  // namespace

int run_command(const RunOptions& options) {
  // Everything that can be checked without running a model is checked first.
  const auto model_text = options.model.value_or("builtin:" + std::string(model::builtin_model_table().front().name));
  const auto model_ref = parse_model_ref(model_text);
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
  model::check_model_ref(model_ref);

  // Checked before the workers load the machine; shown under the table, so that a run
  // that stops with an error still prints one line only.
  const auto warnings = report::machine_warnings(read_system_info(), options.device);
  InterruptGuard interrupt;
  std::signal(SIGPIPE, SIG_IGN);  // a worker that dies must not take the run with it
  TempDir work_dir;
  std::vector<WorkerJob> jobs;
  for (const auto& variant : variants) {
    WorkerJob job;
    job.model = model_ref.text();
    job.inputs = inputs;
    job.variant = variant;
    job.device = options.device;
    job.seed = static_cast<std::uint64_t>(options.seed);
    job.timing = options.timing;
    job.fault = injected_fault(variant.name);
    job.memory_limit_bytes = options.variant_memory_limit_bytes;
    jobs.push_back(std::move(job));
  }
  const WorkerSettings settings{current_executable(), work_dir.path(), options.variant_timeout_seconds,
                                InterruptGuard::flag()};
  auto outcomes = Scheduler(options, settings, std::move(jobs), baseline, interrupt).run();
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
  // The path is the user's, but may hold anything a file name can: no terminal control.
  table_stream << "\nmodel " << printable(model_ref.text()) << " on " << options.device << "\n"
               << report::render_table(outcomes, options.timing, options.schedule);
  for (const auto& warning : warnings) table_stream << "  warning: " << warning << "\n";
  table_stream << std::flush;

  if (!options.output.empty()) {
    report::RunConfig config{model_ref.text(), options.inputs, variants, variants[baseline].name,
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
