#pragma once
// The JSON report (see docs/report-schema.md). Torch-free: built from worker results.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/device_timing.hpp"
#include "core/gates.hpp"
#include "core/schedule.hpp"
#include "core/timing_options.hpp"
#include "core/worker_protocol.hpp"

namespace tb::report {

inline constexpr int kSchemaVersion = 1;

// One (model, variant) as the orchestrator saw it.
struct VariantOutcome {
  std::string model;
  VariantSpec variant;
  bool is_baseline = false;
  std::string status = "ok";  // "ok" | "failed" | "skipped"
  std::string error;          // one line when not ok
  std::optional<WorkerResult> result;  // what the worker sent back, if it did
  std::string worker_outcome;          // "exit code 0", "killed by signal 11 (SIGSEGV)"
  double worker_wall_seconds = 0;
  std::int64_t worker_max_rss_bytes = 0;
  std::optional<GateResult> gate;  // set when an accuracy gate applies to this variant
  // Results with the same group were measured in the same interleaved rounds (round r of
  // each in the same stretch of time): one `run`, or one entry of a suite.
  std::int64_t round_group = 0;
};

// Per-item latency speedup of `v` over `baseline`: (base median / base batch) / (v median /
// v batch). nullopt when either has no samples.
std::optional<double> speedup(const VariantOutcome& v, const VariantOutcome& baseline);

// Items per second over the measured time: batch * iterations / sum of samples.
double throughput_per_s(const WorkerResult& result);

// The medians the bottleneck hint reads (core/device_timing.hpp): device, host and enqueue
// time, and the copies' times with --include-transfers. nullopt without the device series (a
// CPU result, or one without samples).
std::optional<DeviceTimeMedians> device_time_medians(const WorkerResult& result);

// Named thresholds for the measurement warnings.
inline constexpr double kHighCv = 0.10;            // stddev / mean above this: "noisy"
inline constexpr double kTimerOverheadFactor = 10;  // median below this many timer overheads
inline constexpr double kRoundDrift = 0.05;         // first and last round medians differ more
inline constexpr double kMedianConfidence = 0.95;   // of stats.median_ci

// Warnings about how trustworthy a measurement is: high CV, fewer iterations than asked
// (stopped by --max-time), a median within kTimerOverheadFactor of the timer's own cost,
// drift between the first and the last round, a --target-precision not reached. Empty for
// a clean measurement or one without samples.
std::vector<std::string> measurement_warnings(const WorkerResult& result, const TimingOptions& timing,
                                              const ScheduleOptions& schedule = {});

// One entry of "results". Statistics are null without samples; speedup is null unless
// both this variant and the baseline are ok.
nlohmann::json result_json(const VariantOutcome& outcome, const VariantOutcome* baseline, const TimingOptions& timing,
                           const ScheduleOptions& schedule = {});

struct RunConfig {
  std::vector<std::string> models;  // in the order given; results of different models interleave
  std::vector<std::string> inputs;  // --input as given (empty: from the model)
  std::vector<VariantSpec> variants;
  std::string baseline;
  std::string device;
  std::uint64_t seed = 0;
  TimingOptions timing;
  std::optional<double> variant_timeout_seconds;
  ScheduleOptions schedule;
  std::vector<GateRule> gates;
  std::optional<std::int64_t> variant_memory_limit_bytes;
};

// A `run --config` suite (docs/config.md): where the report's results come from.
struct SuiteEntryConfig {
  std::int64_t index = 0;  // in the config file, 0-based; the results' rounds.group
  std::string path;        // where the model was loaded from (relative paths: from the config's directory)
  RunConfig settings;      // models holds the entry's one model, as the config writes it
};

struct SuiteRunInfo {
  std::string name;         // "suite"
  std::string description;
  std::string file;         // the config file as given
  std::string digest;       // sha256 of the file's bytes, 64 hex digits
  std::int64_t entries = 0;  // in the whole suite, not only this shard
  std::optional<std::pair<std::int64_t, std::int64_t>> shard;  // (index 1..count, count), or none
  nlohmann::json overrides = nlohmann::json::object();  // the flags given with --config, as config keys
  std::vector<SuiteEntryConfig> entries_run;  // the entries of this report, in file order
};

// The config block of one run's settings: model, models, inputs, variants, baseline, device,
// seed, timing, schedule, gates, variant_timeout_seconds, variant_memory_limit_bytes.
nlohmann::json config_json(const RunConfig& config);

// The whole report: schema_version, tool, created_at, environment, config, results, summary.
// `interrupted_by` names the signal that stopped the run early ("SIGINT"), "" otherwise.
// `warnings`: about the machine (machine_warnings), checked before the run. With `suite`,
// `config` also holds `suite` and `entries`, each result is judged with its entry's timing
// (found by its round_group), and `config`'s own settings are those of `config`.
nlohmann::json build_report(const RunConfig& config, const nlohmann::json& environment,
                            const std::vector<VariantOutcome>& outcomes, int exit_code,
                            const std::string& interrupted_by = "", const std::vector<std::string>& warnings = {},
                            const SuiteRunInfo* suite = nullptr);

}  // namespace tb::report
