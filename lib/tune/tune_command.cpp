#include "tune/tune_command.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "core/input_spec.hpp"
#include "core/model_ref.hpp"
#include "measure/runtime_info.hpp"
#include "model/builtin_models.hpp"
#include "model/model_check.hpp"
#include "passes/pass.hpp"
#include "report/environment.hpp"
#include "run/scheduler.hpp"
#include "tune/output.hpp"
#include "tune/search.hpp"
#include "util/atomic_file.hpp"
#include "util/cpu_usage.hpp"
#include "util/duration.hpp"
#include "util/errors.hpp"
#include "util/interrupt.hpp"
#include "util/markup.hpp"
#include "util/strings.hpp"
#include "util/subprocess.hpp"
#include "util/system_info.hpp"
#include "util/temp_dir.hpp"
#include "util/text_table.hpp"

namespace tb::tune {
namespace {

// The pass table as the search space sees it, and its check of a pass list on this device.
SpaceContext space_context(const std::string& device_text) {
  const c10::Device device(device_text);
  SpaceContext context;
  context.device_type = c10::DeviceTypeName(device.type(), /*lower_case=*/true);
  const auto system = read_system_info();
  context.cpus = system.affinity_cpus > 0 ? system.affinity_cpus : std::max(1, system.logical_cpus);
  for (const auto* pass : passes::pass_table()) {
    context.passes.push_back({std::string(pass->name), pass->value != passes::ValueKind::none, std::string(pass->group)});
  }
  context.check = [device](const std::vector<PassSpec>& passes) -> std::string {
    const VariantSpec variant{"candidate", passes};
    try {
      passes::validate_variant(variant, device);
    } catch (const UsageError& e) {
      const std::string prefix = "variant 'candidate': ";
      std::string message = e.what();
      return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
    }
    return "";
  };
  return context;
}

// Test-only fault injection, as `run` has it (docs/architecture.md): TORCHBENCH_TEST_FAULT=
// VARIANT:KIND makes that candidate's worker segfault, abort, throw, exit or hang.
std::string injected_fault(const std::string& variant) {
  const char* spec = std::getenv("TORCHBENCH_TEST_FAULT");
  if (!spec) return "";
  const std::string text(spec);
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || text.substr(0, colon) != variant) return "";
  return text.substr(colon + 1);
}

SearchSettings search_settings(const TuneOptions& o) {
  SearchSettings s;
  s.strategy = parse_strategy(o.strategy);
  s.objective = parse_objective(o.objective);
  for (const auto& rule : o.accuracy) {
    if (!rule.variant.empty()) {
      throw UsageError(std::string(option_name(rule.metric)) + " '" + rule.variant + "=...': tune applies a limit to " +
                       "every candidate; give just the LIMIT, e.g. " + std::string(option_name(rule.metric)) + " " +
                       (rule.metric == GateMetric::min_cosine ? "0.999" : "1e-3"));
    }
  }
  s.constraints.accuracy = o.accuracy;
  if (!o.latency_budget.empty()) {
    const auto seconds = parse_duration(o.latency_budget);
    if (!seconds) throw UsageError("--latency-budget needs a duration such as 20ms or 1.5s (got '" + o.latency_budget + "')");
    s.constraints.latency_budget_ms = *seconds * 1000;
  }
  if (!o.memory_budget.empty()) {
    s.constraints.memory_budget_bytes = parse_byte_size(o.memory_budget);
    if (!s.constraints.memory_budget_bytes) {
      throw UsageError("--memory-budget needs a size such as 2G or 512M (got '" + o.memory_budget + "')");
    }
  }
  const auto budget = parse_duration(o.budget);
  if (!budget) throw UsageError("--budget needs a duration such as 10m, 90s or 1h30m (got '" + o.budget + "')");
  s.budget_seconds = *budget;
  if (o.eta < 2 || o.eta > 10) throw UsageError("--eta must be from 2 to 10 (keep the best 1/eta of each rung)");
  if (o.workers < 1 || o.workers > 64) throw UsageError("--workers must be from 1 to 64 (candidates measured together)");
  if (o.final_processes < 3 || o.final_processes > 100) {
    throw UsageError("--final-processes must be from 3 to 100: the paired comparison needs process-level evidence, "
                     "at least three processes a side");
  }
  s.eta = static_cast<std::size_t>(o.eta);
  s.workers = static_cast<std::size_t>(o.workers);
  s.final_processes = o.final_processes;
  if (!(o.alpha > 0 && o.alpha < 1)) throw UsageError("--alpha must be above 0 and below 1, e.g. 0.05");
  const auto threshold = parse_percent(o.threshold);
  if (!threshold || !(*threshold > 0 && *threshold < 1)) {
    throw UsageError("--threshold needs a percentage above 0 and below 100, e.g. 2% (got '" + o.threshold + "')");
  }
  s.verdict.alpha = o.alpha;
  s.verdict.threshold = *threshold;
  s.timing = o.timing;
  validate(rung_timing(o.timing, 1.0, 1));  // the warm-up options as `run` checks them
  if (o.variant_timeout_seconds && !(*o.variant_timeout_seconds > 0 && std::isfinite(*o.variant_timeout_seconds))) {
    throw UsageError("--variant-timeout must be a number of seconds more than 0 (leave it out for no limit)");
  }
  return s;
}

std::string render_list(const SearchSetup& setup, const std::vector<Candidate>& candidates) {
  std::string out = fmt::format("search space for {} on {} ({} dimensions):\n", printable(setup.model), setup.device,
                                setup.space.dimensions.size());
  for (const auto& d : setup.space.dimensions) {
    std::vector<std::string> values;
    for (const auto& v : d.values) values.push_back(v.text);
    out += fmt::format("  {:<16} {}\n", d.key, join(values, ", "));
  }
  std::vector<std::string> fixed;
  for (const auto& p : setup.space.fixed) fixed.push_back(to_string(p));
  out += "  fixed: " + (fixed.empty() ? std::string("(none)") : join(fixed, ", ")) + "\n";
  out += "  baseline: " + to_string(setup.baseline) + "\n";
  for (const auto& u : setup.space.unavailable) out += "  not available here: " + printable(u) + "\n";
  out += fmt::format("{} candidates ({} impossible combinations dropped, {} duplicates):\n", candidates.size(),
                     setup.dropped.size(), setup.duplicates);
  // Two columns, the first as wide as the longest name, indented by two spaces.
  const auto columns = [](std::vector<std::vector<std::string>> rows) {
    std::string text;
    for (const auto& line : split(align_columns(rows, {true, true}), '\n')) {
      if (!line.empty()) text += "  " + line + "\n";
    }
    return text;
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : candidates) rows.push_back({c.name, to_string(c.passes)});
  out += columns(std::move(rows));
  if (!setup.dropped.empty()) {
    out += "dropped:\n";
    rows.clear();
    for (const auto& d : setup.dropped) rows.push_back({d.candidate.name, printable(d.reason)});
    out += columns(std::move(rows));
  }
  return out;
}

// The model as the saved configuration should name it: a path relative to the file's
// directory (config paths resolve against it), or the built-in reference.
std::string model_for_config(const ModelRef& ref, const std::string& config_path) {
  if (ref.kind != ModelRef::Kind::file) return ref.text();
  namespace fs = std::filesystem;
  const auto model = fs::absolute(ref.name).lexically_normal();
  const auto dir = fs::absolute(config_path).lexically_normal().parent_path();
  const auto relative = model.lexically_relative(dir);
  return relative.empty() ? model.string() : relative.string();
}

void write_output(const std::string& path, const std::string& text, bool quiet, const char* what) {
  if (path == "-") {
    errno = 0;
    std::cout << text << std::flush;
    if (!std::cout) {
      throw UsageError(std::string("cannot write the report to standard output (") +
                       (errno ? std::strerror(errno) : "write error") + "); free space or give -o FILE");
    }
    return;
  }
  write_file_atomic(path, text);
  if (!quiet) std::cerr << what << " written to " << path << "\n";
}

// The saved configuration's suite name: "tune-" and the model's name, in the characters a
// suite name may hold (letters, digits, '-', '_', '.', '+'; at most 128).
std::string suite_name(const ModelRef& ref) {
  std::string name = "tune-" + std::filesystem::path(ref.name).stem().string();
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != '+') c = '_';
  }
  return name.substr(0, 128);
}

// "SIGINT" / "SIGTERM"; "" for 0 (not interrupted).
std::string signal_name(int signal) {
  if (signal == 0) return "";
  return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal " + std::to_string(signal);
}

}  // namespace

int tune_command(const TuneOptions& o) {
  const auto ref =
      parse_model_ref(o.model.empty() ? "builtin:" + std::string(model::builtin_model_table().front().name) : o.model);
  std::vector<InputSpec> inputs;
  for (const auto& text : o.inputs) inputs.push_back(parse_input_spec(text));
  measure::check_device(o.device);
  if (o.seed < 0) throw UsageError("--seed must be 0 or more");
  const auto context = space_context(o.device);
  SearchSetup setup{ref.text(), o.device, search_settings(o), default_space(context), {}, {}, 0};
  for (const auto& text : o.space) apply_space_option(setup.space, text, context);
  for (const auto& text : o.fixed) apply_fixed(setup.space, text, context);
  setup.baseline = parse_baseline(o.baseline, context);
  auto expansion = expand(setup.space, context.check);
  setup.dropped = expansion.dropped;
  setup.duplicates = expansion.duplicates;
  if (!o.output.empty() && o.output != "-") check_writable_destination(o.output);
  if (!o.save_config.empty()) {
    if (o.save_config == "-") throw UsageError("--save-config needs a file name, not '-'");
    check_writable_destination(o.save_config);
    if (!o.output.empty() && std::filesystem::absolute(o.save_config).lexically_normal() ==
                                 std::filesystem::absolute(o.output).lexically_normal()) {
      throw UsageError("--save-config and -o name the same file '" + o.save_config + "'; give each its own");
    }
  }
  model::check_model_ref(ref);
  if (o.list) {
    std::cout << render_list(setup, expansion.candidates);
    return 0;
  }
  if (expansion.candidates.empty()) {
    throw UsageError(setup.dropped.empty()
                         ? "the search space is empty: a --space dimension has no value"
                         : fmt::format("the search space has no candidate left: all {} combinations are impossible, "
                                       "e.g. {}: {}; change --space or --fixed",
                                       setup.dropped.size(), setup.dropped.front().candidate.name,
                                       setup.dropped.front().reason));
  }

  const auto system = read_system_info();
  auto warnings = report::machine_warnings(system, o.device);
  const auto cpu_before = sample_cpu_usage();
  InterruptGuard interrupt;
  std::signal(SIGPIPE, SIG_IGN);  // a worker that dies must not take the search with it
  TempDir work_dir;
  const run::WorkerSettings workers{current_executable(), work_dir.path(), o.variant_timeout_seconds,
                                    InterruptGuard::flag()};
  const auto& candidates = expansion.candidates;
  const auto& settings = setup.settings;
  SearchHooks hooks;
  hooks.measure = [&](const BatchRequest& request) {
    std::vector<WorkerJob> jobs;
    const auto job = [&](const VariantSpec& variant, std::optional<std::int64_t> memory_limit) {
      WorkerJob j;
      j.model = ref.text();
      j.inputs = inputs;
      j.variant = variant;
      j.device = o.device;
      j.seed = static_cast<std::uint64_t>(o.seed);
      j.timing = request.timing;
      j.fault = injected_fault(variant.name);
      j.memory_limit_bytes = memory_limit;
      return j;
    };
    jobs.push_back(job(VariantSpec{"baseline", setup.baseline}, std::nullopt));
    for (const auto i : request.candidates) {
      jobs.push_back(job(VariantSpec{candidates[i].name, candidates[i].passes}, settings.constraints.memory_budget_bytes));
    }
    std::vector<std::size_t> baseline_of(jobs.size(), 0);
    const run::MeasureSettings measure{request.timing, request.schedule,
                                       static_cast<std::uint64_t>(o.seed) + static_cast<std::uint64_t>(request.group),
                                       /*quiet=*/true};
    return run::measure_jobs(measure, workers, std::move(jobs), std::move(baseline_of), interrupt);
  };
  const auto started = std::chrono::steady_clock::now();
  hooks.now = [started] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  hooks.interrupted = [&interrupt] { return interrupt.signal() != 0; };
  if (!o.quiet) hooks.progress = [](const std::string& line) { std::cerr << printable(line) << std::endl; };
  const auto result = search(candidates, settings, hooks);
  // Every worker is reaped now, so their CPU time is ours; an interrupted search may have left one.
  const auto competing = interrupt.signal() ? std::nullopt : competing_cpu_share(cpu_before, sample_cpu_usage());
  if (auto warning = report::load_warning(system, competing)) warnings.push_back(std::move(*warning));

  bool any_infeasible = false;
  for (const auto& r : result.candidates) any_infeasible |= r.fate == Fate::infeasible;
  const int exit_code = static_cast<int>(interrupt.signal() ? ExitCode::partial
                                         : result.winner      ? ExitCode::ok
                                         : any_infeasible     ? ExitCode::gate_failed
                                                              : ExitCode::partial);
  std::ostream& table = o.output == "-" ? std::cerr : std::cout;
  table << render_tune(result, setup);
  for (const auto& warning : warnings) table << "  warning: " << warning << "\n";
  table << std::flush;

  const auto* rung = result.winner_rung();
  if (!rung && !result.rungs.empty()) rung = &result.rungs.back();
  const auto timing = rung ? rung->timing : rung_timing(o.timing, kCalibrationSeconds, 1);
  const auto schedule = rung ? rung->schedule : ScheduleOptions{};
  if (!o.output.empty()) {
    std::vector<report::VariantOutcome> outcomes;
    std::vector<VariantSpec> variants = {VariantSpec{"baseline", setup.baseline}};
    if (result.baseline) outcomes.push_back(*result.baseline);
    for (const auto& record : result.candidates) {
      variants.push_back(VariantSpec{record.candidate.name, record.candidate.passes});
      if (record.outcome) outcomes.push_back(*record.outcome);
    }
    report::RunConfig config{{ref.text()}, o.inputs, variants, "baseline", o.device, static_cast<std::uint64_t>(o.seed),
                             timing, o.variant_timeout_seconds, schedule, o.accuracy,
                             settings.constraints.memory_budget_bytes};
    const auto environment =
        report::environment_json(read_system_info(), measure::libtorch_info(), o.device, competing);
    auto json = report::build_report(config, environment, outcomes, exit_code, signal_name(interrupt.signal()),
                                     warnings);
    json["tune"] = tune_json(result, setup);
    write_output(o.output, json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", o.quiet,
                 "report");
  }
  if (!o.save_config.empty()) {
    if (result.winner) {
      const auto& winner = result.candidates[*result.winner];
      SavedConfig saved{suite_name(ref),
                        fmt::format("torchbench-cli tune {} on {}: {} by {}{}; re-measures the winner against the "
                                    "baseline",
                                    ref.text(), o.device, winner.candidate.name, to_string(settings.objective),
                                    settings.constraints.latency_budget_ms
                                        ? fmt::format(" (--latency-budget {:g} ms on p99)",
                                                      *settings.constraints.latency_budget_ms)
                                        : ""),
                        model_for_config(ref, o.save_config),
                        o.inputs, o.device, static_cast<std::uint64_t>(o.seed), setup.baseline,
                        winner.candidate.passes, timing, schedule, o.accuracy, o.variant_timeout_seconds,
                        settings.constraints.memory_budget_bytes};
      write_output(o.save_config, saved_config_json(saved).dump(2) + "\n", o.quiet, "configuration");
    } else if (!o.quiet) {
      std::cerr << "no configuration saved: there is no winner\n";
    }
  }
  if (interrupt.signal()) {
    throw Error(ExitCode::partial, "interrupted by " + signal_name(interrupt.signal()) + ": the search stopped" +
                                       (o.output.empty() ? "" : "; the report holds what it measured"));
  }
  return exit_code;
}

}  // namespace tb::tune
