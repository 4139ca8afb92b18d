#include "report/report.hpp"

#include <fmt/format.h>

#include <numeric>

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
  return static_cast<double>(result.batch) * static_cast<double>(result.samples_ms.size()) * 1000.0 / total_ms;
}

std::vector<std::string> measurement_warnings(const WorkerResult& result, const TimingOptions& timing) {
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
  return warnings;
}

nlohmann::json result_json(const VariantOutcome& outcome, const VariantOutcome* baseline, const TimingOptions& timing) {
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
  const bool measured = !r.samples_ms.empty();
  j["stats"] = measured ? stats_json(summary) : nlohmann::json(nullptr);
  j["throughput_per_s"] = measured ? nlohmann::json(throughput_per_s(r)) : nlohmann::json(nullptr);
  j["warnings"] = measurement_warnings(r, timing);
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
  return j;
}

nlohmann::json build_report(const RunConfig& config, const nlohmann::json& environment,
                            const std::vector<VariantOutcome>& outcomes, int exit_code,
                            const std::string& interrupted_by) {
  nlohmann::json variants = nlohmann::json::array();
  for (const auto& v : config.variants) variants.push_back({{"name", v.name}, {"passes", to_string(v.passes)}});
  const VariantOutcome* baseline = nullptr;
  for (const auto& o : outcomes) {
    if (o.is_baseline) baseline = &o;
  }
  nlohmann::json results = nlohmann::json::array();
  int ok = 0, failed = 0, skipped = 0;
  for (const auto& o : outcomes) {
    results.push_back(result_json(o, baseline, config.timing));
    (o.status == "ok" ? ok : o.status == "failed" ? failed : skipped)++;
  }
  return {
      {"schema_version", kSchemaVersion},
      {"tool", {{"name", "torchbench-cli"}, {"version", tool_version()}, {"git_sha", git_sha()}}},
      {"created_at", utc_timestamp_now()},
      {"environment", environment},
      {"config",
       {{"model", config.model},
        {"inputs", config.inputs},
        {"variants", variants},
        {"baseline", config.baseline},
        {"device", config.device},
        {"seed", config.seed},
        {"timing", config.timing},
        {"variant_timeout_seconds", config.variant_timeout_seconds ? nlohmann::json(*config.variant_timeout_seconds)
                                                                   : nlohmann::json(nullptr)}}},
      {"results", results},
      {"summary",
       {{"ok", ok},
        {"failed", failed},
        {"skipped", skipped},
        {"exit_code", exit_code},
        {"complete", interrupted_by.empty()},
        {"interrupted_by", interrupted_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(interrupted_by)}}},
  };
}

}  // namespace tb::report
