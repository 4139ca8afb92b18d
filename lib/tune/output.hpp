#pragma once
// What `tune` writes: the `tune` block of the report (docs/report-schema.md), the table on the
// terminal, and the winning configuration as a config file for `run --config`
// (docs/config.md). Torch-free.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/gates.hpp"
#include "core/schedule.hpp"
#include "core/timing_options.hpp"
#include "tune/result.hpp"
#include "tune/search.hpp"
#include "tune/space.hpp"

namespace tb::tune {

// The search as it was set up, beside what it found.
struct SearchSetup {
  std::string model;  // canonical model reference
  std::string device;
  SearchSettings settings;
  Space space;
  std::vector<PassSpec> baseline;
  std::vector<DroppedCandidate> dropped;
  std::size_t duplicates = 0;
};

// The report's `tune` block.
nlohmann::json tune_json(const TuneResult& result, const SearchSetup& setup);

// The terminal summary: the winner first, the finalists and the Pareto front, then the
// eliminated counted by rung, the infeasible with their reasons, and the verdict.
std::string render_tune(const TuneResult& result, const SearchSetup& setup);

// A winning configuration as one model entry of a config file: `run --config FILE`
// measures `best` against `baseline` with the timing, schedule and gates the search used.
struct SavedConfig {
  std::string suite;
  std::string description;
  std::string model;                // as the file should say it (a path relative to the file's directory)
  std::vector<std::string> inputs;  // --input as given
  std::string device = "cpu";
  std::uint64_t seed = 0;
  std::vector<PassSpec> baseline;
  std::vector<PassSpec> best;
  TimingOptions timing;
  ScheduleOptions schedule;
  std::vector<GateRule> gates;
  std::optional<double> variant_timeout_seconds;
  std::optional<std::int64_t> variant_memory_limit_bytes;
};

// The config file (format `torchbench_config` 1, docs/config.md), keys in the documented
// order, times rounded to the millisecond. The one writer of it here; `run --config`'s own
// writer replaces it once there is one.
nlohmann::ordered_json saved_config_json(const SavedConfig& config);

}  // namespace tb::tune
