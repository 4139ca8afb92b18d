#include "report/report.hpp"

#include <fmt/format.h>

#include <numeric>

#include "core/device_timing.hpp"
#include "util/bootstrap.hpp"
#include "util/outliers.hpp"
#include "util/statistics.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace tb::report {
namespace {

nlohmann::json stats_json(const Summary& s) {
  return {{"min_ms", s.min},   {"median_ms", s.median}, {"mean_ms", s.mean}, {"stddev_ms", s.stddev},
          {"cv", s.cv},        {"p90_ms", s.p90},       {"p95_ms", s.p95},   {"p99_ms", s.p99},
          {"max_ms", s.max},   {"count", s.count}};
}

nlohmann::json optional_number(const std::optional<std::int64_t>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

std::optional<double> speedup(const VariantOutcome& v, const VariantOutcome& baseline) {
  if (!v.result || !baseline.result || v.result->samples_ms.empty() || baseline.result->samples_ms.empty()) {
    return std::nullopt;
  }
  const double base = summarize(baseline.result->samples_ms).median / static_cast<double>(baseline.result->batch);
  const double mine = summarize(v.result->samples_ms).median / static_cast<double>(v.result->batch);
  if (mine <= 0) return std::nullopt;
  return base / mine;
}

double throughput_per_s(const WorkerResult& result) {
  const double total_ms = std::accumulate(result.samples_ms.begin(), result.samples_ms.end(), 0.0);
  if (total_ms <= 0) return 0;
  return static_cast<double>(result.batch) * static_cast<double>(result.calls_per_sample) *
         static_cast<double>(result.samples_ms.size()) * 1000.0 / total_ms;
}

std::optional<DeviceTimeMedians> device_time_medians(const WorkerResult& r) {
  if (r.samples_ms.empty() || r.enqueue_samples_ms.empty() || r.host_samples_ms.empty()) return std::nullopt;
  DeviceTimeMedians medians{.device_ms = summarize(r.samples_ms).median,
                            .host_ms = summarize(r.host_samples_ms).median,
                            .enqueue_ms = summarize(r.enqueue_samples_ms).median,
                            .h2d_ms = std::nullopt,
                            .d2h_ms = std::nullopt};
  if (!r.h2d_samples_ms.empty()) medians.h2d_ms = summarize(r.h2d_samples_ms).median;
  if (!r.d2h_samples_ms.empty()) medians.d2h_ms = summarize(r.d2h_samples_ms).median;
  return medians;
}

std::vector<std::string> measurement_warnings(const WorkerResult& result, const TimingOptions& timing,
                                              const ScheduleOptions& schedule) {
  std::vector<std::string> warnings;
  if (result.samples_ms.empty()) return warnings;
  const auto s = summarize(result.samples_ms);
  if (s.cv > kHighCv) {
    warnings.push_back(fmt::format("noisy: cv {:.1f}% is above {:.0f}%; close other programs, pin threads or "
                                   "measure longer",
                                   s.cv * 100, kHighCv * 100));
  }
  if (static_cast<std::int64_t>(s.count) < timing.min_iters) {
    warnings.push_back(fmt::format("only {} iterations (--max-time stopped it before --min-iters {})", s.count,
                                   timing.min_iters));
  }
  if (result.timer == "device_event") {
    if (auto unstable = gpu_stability_warning(s.cv); !unstable.empty()) warnings.push_back(std::move(unstable));
  }
  if (result.timer_overhead_ms > 0 && s.median < kTimerOverheadFactor * result.timer_overhead_ms) {
    warnings.push_back(fmt::format("too short to time: the median {:.3g} ms is within {:.0f}x of the timer's own "
                                   "cost ({:.3g} ms); raise the batch size",
                                   s.median, kTimerOverheadFactor, result.timer_overhead_ms));
  }
  const auto& sizes = result.round_sizes;
  if (sizes.size() >= 2 && sizes.front() > 0 && sizes.back() > 0) {
    const std::span<const double> all(result.samples_ms);
    const auto first = summarize(all.first(static_cast<std::size_t>(sizes.front()))).median;
    const auto last = summarize(all.last(static_cast<std::size_t>(sizes.back()))).median;
    if (first > 0 && std::abs(last / first - 1) > kRoundDrift) {
      warnings.push_back(fmt::format("drift: the last round's median is {:+.1f}% off the first round's (above "
                                     "{:.0f}%); the machine changed during the run",
                                     (last / first - 1) * 100, kRoundDrift * 100));
    }
  }
  if (schedule.target_precision) {
    const auto half_width = relative_ci_half_width(bootstrap_median_ci(result.samples_ms));
    if (half_width > *schedule.target_precision) {
      warnings.push_back(fmt::format("precision ±{:.2f}% not reached (target ±{:.2f}%) before --max-time/--max-iters",
                                     half_width * 100, *schedule.target_precision * 100));
    }
  }
  return warnings;
}

nlohmann::json result_json(const VariantOutcome& outcome, const VariantOutcome* baseline, const TimingOptions& timing,
                           const ScheduleOptions& schedule) {
  nlohmann::json passes = nlohmann::json::array();
  for (const auto& pass : outcome.variant.passes) passes.push_back(to_string(pass));
  nlohmann::json j = {
      {"model", outcome.model},
      {"variant", outcome.variant.name},
      {"passes", passes},
      {"baseline", outcome.is_baseline},
      {"status", outcome.status},
      {"error", outcome.status == "ok" ? nlohmann::json(nullptr) : nlohmann::json(outcome.error)},
      {"worker", {{"outcome", outcome.worker_outcome},
                  {"wall_seconds", outcome.worker_wall_seconds},
                  {"max_rss_bytes", outcome.worker_max_rss_bytes}}},
  };
  // Even a variant that never started belongs to its group (a suite's entry): merge and
  // compare place it by its group.
  j["rounds"] = {{"sizes", nlohmann::json::array()},
                 {"positions", nlohmann::json::array()},
                 {"processes", nlohmann::json::array()},
                 {"group", outcome.round_group}};
  if (!outcome.result) return j;
  const auto& r = *outcome.result;
  if (!r.ok()) j["failure_stage"] = to_string(r.failure);
  const auto summary = summarize(r.samples_ms);
  j["batch"] = r.batch;
  j["inputs"] = r.inputs;
  j["timer"] = r.timer;
  j["iterations"] = r.samples_ms.size();
  j["samples_ms"] = r.samples_ms;
  if (!r.host_samples_ms.empty()) {
    j["host_samples_ms"] = r.host_samples_ms;
    j["host_stats"] = stats_json(summarize(r.host_samples_ms));
  }
  j["timing_mode"] = r.timing_mode;
  if (r.calls_per_sample != 1) j["calls_per_sample"] = r.calls_per_sample;
  if (!r.per_stream_samples_ms.empty()) {
    nlohmann::json streams = nlohmann::json::array();
    for (const auto& series : r.per_stream_samples_ms) {
      streams.push_back(series.empty() ? nlohmann::json(nullptr) : stats_json(summarize(series)));
    }
    j["per_stream_stats"] = std::move(streams);
  }
  if (!r.enqueue_samples_ms.empty()) {
    j["enqueue_samples_ms"] = r.enqueue_samples_ms;
    j["enqueue_stats"] = stats_json(summarize(r.enqueue_samples_ms));
  }
  if (!r.h2d_samples_ms.empty()) {
    j["h2d_samples_ms"] = r.h2d_samples_ms;
    j["h2d_stats"] = stats_json(summarize(r.h2d_samples_ms));
  }
  if (!r.d2h_samples_ms.empty()) {
    j["d2h_samples_ms"] = r.d2h_samples_ms;
    j["d2h_stats"] = stats_json(summarize(r.d2h_samples_ms));
  }
  // Device results say whether the host series (the end-to-end time of an iteration) holds
  // the copies: with --include-transfers it is h2d + compute + d2h and the wait.
  if (!r.host_samples_ms.empty()) {
    const bool included = !r.h2d_samples_ms.empty();
    j["transfers"] = {{"included", included}};
    if (included) {
      j["transfers"]["h2d_bytes"] = r.h2d_bytes;
      j["transfers"]["d2h_bytes"] = r.d2h_bytes;
    }
  }
  if (const auto medians = device_time_medians(r)) {
    const auto hint = classify_bottleneck(*medians);
    j["bottleneck"] = {{"hint", to_string(hint)}, {"message", bottleneck_message(hint, *medians)}};
  }
  const bool measured = !r.samples_ms.empty();
  j["stats"] = measured ? stats_json(summary) : nlohmann::json(nullptr);
  if (measured) {
    const auto ci = bootstrap_median_ci(r.samples_ms, kMedianConfidence);
    j["stats"]["median_ci"] = {{"confidence", kMedianConfidence}, {"low_ms", ci.low}, {"high_ms", ci.high}};
    const auto outliers = count_outliers(r.samples_ms);
    j["stats"]["outliers"] = {{"low_mild", outliers.low_mild},
                              {"high_mild", outliers.high_mild},
                              {"low_severe", outliers.low_severe},
                              {"high_severe", outliers.high_severe}};
  }
  j["rounds"] = {{"sizes", r.round_sizes},
                 {"positions", r.round_positions},
                 {"processes", r.round_processes},
                 {"group", outcome.round_group}};
  j["timer_overhead_ms"] = r.timer_overhead_ms;
  j["model_size_bytes"] = optional_number(r.model_size_bytes);
  j["throughput_per_s"] = measured ? nlohmann::json(throughput_per_s(r)) : nlohmann::json(nullptr);
  j["warnings"] = measurement_warnings(r, timing, schedule);
  const bool comparable = baseline && outcome.status == "ok" && baseline->status == "ok";
  const auto ratio = comparable ? speedup(outcome, *baseline) : std::nullopt;
  j["speedup_vs_baseline"] = ratio ? nlohmann::json(*ratio) : nlohmann::json(nullptr);
  j["accuracy"] = r.accuracy ? nlohmann::json(*r.accuracy) : nlohmann::json(nullptr);
  if (!r.accuracy_note.empty()) j["accuracy_note"] = r.accuracy_note;
  j["pass_notes"] = r.pass_notes;
  j["load_ms"] = r.load_ms;
  j["prepare_ms"] = r.prepare_ms;
  j["cold_ms"] = r.cold_ms;
  j["warmup"] = {{"iterations", r.warmup_iters}, {"ms", r.warmup_ms}};
  j["threads"] = r.threads;
  j["interop_threads"] = r.interop_threads;
  j["memory"] = {{"peak_rss_bytes", r.peak_rss_bytes},
                 {"device_peak_allocated_bytes", optional_number(r.device_peak_allocated_bytes)},
                 {"device_peak_reserved_bytes", optional_number(r.device_peak_reserved_bytes)}};
  j["output_shapes"] = r.output_shapes;
  j["gate"] = nullptr;
  if (outcome.gate) {
    const auto& limits = outcome.gate->limits;
    const auto limit = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    j["gate"] = {{"passed", outcome.gate->passed()},
                 {"violations", outcome.gate->violations},
                 {"limits",
                  {{"max_abs_err", limit(limits.max_abs_err)},
                   {"max_rel_err", limit(limits.max_rel_err)},
                   {"min_cosine", limit(limits.min_cosine)}}}};
  }
  return j;
}

nlohmann::json config_json(const RunConfig& config) {
  nlohmann::json variants = nlohmann::json::array();
  for (const auto& v : config.variants) variants.push_back({{"name", v.name}, {"passes", to_string(v.passes)}});
  nlohmann::json gates = nlohmann::json::array();
  for (const auto& rule : config.gates) {
    gates.push_back({{"option", option_name(rule.metric)},
                     {"variant", rule.variant.empty() ? nlohmann::json(nullptr) : nlohmann::json(rule.variant)},
                     {"limit", rule.limit}});
  }
  return {
      {"model", config.models.empty() ? nlohmann::json(nullptr) : nlohmann::json(config.models.front())},
      {"models", config.models},
      {"inputs", config.inputs},
      {"variants", variants},
      {"baseline", config.baseline},
      {"device", config.device},
      {"seed", config.seed},
      {"timing", config.timing},
      {"schedule",
       {{"mode", to_string(config.schedule.mode)},
        {"rounds", config.schedule.rounds},
        {"processes", config.schedule.processes},
        {"target_precision", config.schedule.target_precision ? nlohmann::json(*config.schedule.target_precision)
                                                              : nlohmann::json(nullptr)}}},
      {"gates", gates},
      {"variant_timeout_seconds", config.variant_timeout_seconds ? nlohmann::json(*config.variant_timeout_seconds)
                                                                 : nlohmann::json(nullptr)},
      {"variant_memory_limit_bytes", config.variant_memory_limit_bytes
                                         ? nlohmann::json(*config.variant_memory_limit_bytes)
                                         : nlohmann::json(nullptr)}};
}

namespace {

nlohmann::json suite_json(const SuiteRunInfo& suite) {
  const auto shard = suite.shard ? nlohmann::json{{"index", suite.shard->first}, {"count", suite.shard->second}}
                                 : nlohmann::json(nullptr);
  return {{"name", suite.name},
          {"description", suite.description},
          {"file", suite.file},
          {"digest", "sha256:" + suite.digest},  // of the file's bytes, as `sha256sum FILE` prints it
          {"entries", suite.entries},
          {"shard", shard},
          {"overrides", suite.overrides}};
}

}  // namespace

nlohmann::json build_report(const RunConfig& config, const nlohmann::json& environment,
                            const std::vector<VariantOutcome>& outcomes, int exit_code,
                            const std::string& interrupted_by, const std::vector<std::string>& warnings,
                            const SuiteRunInfo* suite) {
  // The settings each result was measured with: its suite entry's, or the run's.
  const auto settings_of = [&](const VariantOutcome& o) -> const RunConfig& {
    if (!suite) return config;
    for (const auto& entry : suite->entries_run) {
      if (entry.index == o.round_group) return entry.settings;
    }
    return config;
  };
  nlohmann::json results = nlohmann::json::array();
  int ok = 0, failed = 0, skipped = 0, gates_failed = 0;
  for (const auto& o : outcomes) {
    const VariantOutcome* baseline = nullptr;  // of the same model
    for (const auto& b : outcomes) {
      if (b.is_baseline && b.model == o.model) baseline = &b;
    }
    const auto& settings = settings_of(o);
    results.push_back(result_json(o, baseline, settings.timing, settings.schedule));
    (o.status == "ok" ? ok : o.status == "failed" ? failed : skipped)++;
    gates_failed += o.gate && !o.gate->passed();
  }
  auto config_block = config_json(config);
  config_block["suite"] = nullptr;
  if (suite) {
    config_block["suite"] = suite_json(*suite);
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& entry : suite->entries_run) {
      auto e = config_json(entry.settings);
      e.erase("models");
      e["index"] = entry.index;
      e["path"] = entry.path;
      entries.push_back(std::move(e));
    }
    config_block["entries"] = std::move(entries);
  }
  return {
      {"schema_version", kSchemaVersion},
      {"tool", {{"name", "torchbench-cli"}, {"version", tool_version()}, {"git_sha", git_sha()}}},
      {"created_at", utc_timestamp_now()},
      {"environment", environment},
      {"warnings", warnings},
      {"config", std::move(config_block)},
      {"results", results},
      {"summary",
       {{"ok", ok},
        {"failed", failed},
        {"skipped", skipped},
        {"gates_failed", gates_failed},
        {"exit_code", exit_code},
        {"complete", interrupted_by.empty()},
        {"interrupted_by", interrupted_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(interrupted_by)}}},
  };
}

}  // namespace tb::report
