#include "run/run_command.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "measure/runtime_info.hpp"
#include "report/environment.hpp"
#include "report/table.hpp"
#include "run/run_plan.hpp"
#include "run/scheduler.hpp"
#include "util/atomic_file.hpp"
#include "util/cpu_usage.hpp"
#include "util/errors.hpp"
#include "util/interrupt.hpp"
#include "util/markup.hpp"
#include "util/subprocess.hpp"
#include "util/system_info.hpp"
#include "util/temp_dir.hpp"

namespace tb::run {
namespace {

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

std::string signal_name(int number) {
  const char* abbrev = sigabbrev_np(number);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(number);
}

// The worker jobs of one entry: every model of it times every variant, each model's
// baseline first in `baseline_of`.
std::pair<std::vector<WorkerJob>, std::vector<std::size_t>> entry_jobs(const PlannedEntry& entry) {
  std::vector<WorkerJob> jobs;
  std::vector<std::size_t> baseline_of;  // per job: the job of its model's baseline variant
  for (const auto& ref : entry.models) {
    const auto model_baseline = jobs.size() + entry.baseline;
    for (const auto& variant : entry.variants) {
      WorkerJob job;
      job.model = ref.text();
      job.inputs = entry.inputs;
      job.variant = variant;
      job.device = entry.settings.device;
      job.seed = static_cast<std::uint64_t>(entry.settings.seed);
      job.timing = entry.settings.timing;
      job.fault = injected_fault(variant.name);
      job.memory_limit_bytes = entry.settings.variant_memory_limit_bytes;
      jobs.push_back(std::move(job));
      baseline_of.push_back(model_baseline);
    }
  }
  return {std::move(jobs), std::move(baseline_of)};
}

// Measures one entry; its outcomes name their model as the entry does and carry its index
// as their round group. Returns whether an accuracy gate failed.
bool measure_entry(const PlannedEntry& entry, const RunOptions& options, const std::filesystem::path& work_dir,
                   InterruptGuard& interrupt, bool in_suite, std::vector<report::VariantOutcome>& outcomes) {
  auto [jobs, baseline_of] = entry_jobs(entry);
  const auto entry_dir = work_dir / ("entry-" + std::to_string(entry.index));
  std::filesystem::create_directories(entry_dir);
  const WorkerSettings settings{current_executable(), entry_dir, entry.settings.variant_timeout_seconds,
                                InterruptGuard::flag()};
  MeasureSettings measure{entry.settings.timing, entry.settings.schedule,
                          static_cast<std::uint64_t>(entry.settings.seed), options.quiet,
                          entry.models.size() > 1 || in_suite};
  // A broken model in a suite is that entry's failure (exit 4), not the end of the night.
  measure.stop_on_model_error = !in_suite;
  auto measured = measure_jobs(measure, settings, std::move(jobs), std::move(baseline_of), interrupt);
  bool any_gate_failed = false;
  for (auto& o : measured) {
    for (std::size_t m = 0; m < entry.models.size(); ++m) {
      if (o.model == entry.models[m].text()) o.model = entry.names[m];
    }
    o.round_group = entry.index;
    if (o.is_baseline || o.status != "ok" || !o.result) continue;
    const auto gate = gate_for(entry.settings.gates, o.variant.name);
    if (gate.empty()) continue;
    o.gate = check_gate(gate, o.result->accuracy, o.result->accuracy_note);
    any_gate_failed |= !o.gate->passed();
  }
  outcomes.insert(outcomes.end(), measured.begin(), measured.end());
  return any_gate_failed;
}

void write_report(const std::string& output, const std::string& text, bool quiet) {
  if (output == "-") {
    errno = 0;
    std::cout << text << std::flush;
    if (!std::cout) {
      throw UsageError(std::string("cannot write the report to standard output (") +
                       (errno ? std::strerror(errno) : "write error") + "); free space or give -o FILE");
    }
  } else {
    write_file_atomic(output, text);
    if (!quiet) std::cerr << "report written to " << output << "\n";
  }
}

}  // namespace

std::vector<std::string> default_variants() {
  return {"naive=grad", "no-grad=no-grad", "inference-mode=inference-mode",
          "optimized=inference-mode,freeze,optimize"};
}

int run_command(const RunOptions& options) {
  // Everything that can be checked without running a model is checked first, for every entry.
  auto plan = plan_run(options);
  if (options.list) {
    print_plan(plan, std::cout);
    return static_cast<int>(ExitCode::ok);
  }
  const bool in_suite = plan.suite.has_value();
  if (in_suite && plan.entries.empty()) {
    std::cerr << fmt::format("shard {}/{} of suite '{}' holds no entries (the suite has {}); the report has no "
                             "results\n",
                             plan.suite->shard->first, plan.suite->shard->second, printable(plan.suite->name),
                             plan.suite->entries);
  }

  // Checked before the workers load the machine; shown under the table, so that a run
  // that stops with an error still prints one line only.
  const auto system = read_system_info();
  auto warnings = report::machine_warnings(system, plan.first.device);
  const auto cpu_before = sample_cpu_usage();
  InterruptGuard interrupt;
  std::signal(SIGPIPE, SIG_IGN);  // a worker that dies must not take the run with it
  TempDir work_dir;
  std::vector<report::VariantOutcome> outcomes;
  bool any_gate_failed = false;
  for (std::size_t i = 0; i < plan.entries.size(); ++i) {
    const auto& entry = plan.entries[i];
    if (in_suite && !options.quiet) {
      std::cerr << fmt::format("suite {}: models[{}] {} ({} of {} here), {} variant{}\n", printable(plan.suite->name),
                               entry.index, printable(entry.names.front()), i + 1, plan.entries.size(),
                               entry.variants.size(), entry.variants.size() == 1 ? "" : "s")
                << std::flush;
    }
    any_gate_failed |= measure_entry(entry, options, work_dir.path(), interrupt, in_suite, outcomes);
  }

  const std::string interrupted_by = interrupt.signal() ? signal_name(interrupt.signal()) : "";
  // Every worker is reaped now, so their CPU time is ours; an interrupted run may have left one.
  const auto competing = interrupted_by.empty() ? competing_cpu_share(cpu_before, sample_cpu_usage()) : std::nullopt;
  if (auto warning = report::load_warning(system, competing)) warnings.push_back(std::move(*warning));
  bool any_failed = false;
  for (const auto& o : outcomes) any_failed |= o.status == "failed";
  // A failed variant outweighs a broken gate: its accuracy was never checked.
  const int exit_code = static_cast<int>(any_failed || !interrupted_by.empty() ? ExitCode::partial
                                         : any_gate_failed                     ? ExitCode::gate_failed
                                                                               : ExitCode::ok);

  std::ostream& table_stream = options.output == "-" ? std::cerr : std::cout;
  std::vector<std::string> model_names;
  for (const auto& entry : plan.entries) {
    for (const auto& name : entry.names) {
      model_names.push_back(name);
      std::vector<report::VariantOutcome> of_model;
      for (const auto& o : outcomes) {
        if (o.model == name) of_model.push_back(o);
      }
      // The path is the user's, but may hold anything a file name can: no terminal control.
      table_stream << "\nmodel " << printable(name) << " on " << entry.settings.device << "\n"
                   << report::render_table(of_model, entry.settings.timing, entry.settings.schedule);
    }
  }
  for (const auto& warning : warnings) table_stream << "  warning: " << warning << "\n";
  table_stream << std::flush;

  if (!options.output.empty()) {
    auto config = plan.entries.empty() ? report::RunConfig{} : plan.entries.front().run_config();
    if (plan.entries.empty()) {
      const auto& s = plan.first;
      config = report::RunConfig{{},     s.inputs, {}, "", s.device, static_cast<std::uint64_t>(s.seed), s.timing,
                                 s.variant_timeout_seconds, s.schedule, s.gates, s.variant_memory_limit_bytes};
    }
    config.models = model_names;
    if (plan.suite) {
      for (const auto& entry : plan.entries) {
        plan.suite->entries_run.push_back({entry.index, entry.models.front().text(), entry.run_config()});
      }
    }
    const auto environment =
        report::environment_json(read_system_info(), measure::libtorch_info(), plan.first.device, competing);
    const auto text = report::build_report(config, environment, outcomes, exit_code, interrupted_by, warnings,
                                           plan.suite ? &*plan.suite : nullptr)
                          .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                      "\n";  // invalid UTF-8 (a model's own error message) becomes U+FFFD
    write_report(options.output, text, options.quiet);
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
