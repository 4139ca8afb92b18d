#pragma once
// `torchbench-cli run`: validate everything, run each variant in its own worker process,
// print the table, write the report.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/gates.hpp"
#include "core/schedule.hpp"
#include "core/timing_options.hpp"

namespace tb::run {

struct RunOptions {
  std::vector<std::string> models;    // empty runs the default built-in; several are interleaved
  std::vector<std::string> inputs;    // --input, one per model input
  std::vector<std::string> variants;  // --variant NAME=PASSES
  std::vector<std::string> sweeps;    // --sweep KEY=V1,V2
  std::string baseline;               // "" = the first variant
  std::string device = "cpu";
  std::int64_t seed = 0;              // 0 or more
  TimingOptions timing;
  ScheduleOptions schedule;
  std::vector<GateRule> gates;        // --max-abs-err, --max-rel-err, --min-cosine
  std::optional<double> variant_timeout_seconds;
  std::optional<std::int64_t> variant_memory_limit_bytes;  // RLIMIT_DATA of each worker
  std::string output;                 // "" no report file, "-" stdout
  bool quiet = false;                 // no progress lines
};

// The variants used when none is given: a naive baseline and the standard inference steps.
std::vector<std::string> default_variants();

// Returns the exit code (0 ok, 1 an accuracy gate failed, 4 some variants failed). Throws Error for usage errors (2)
// and model/input errors (3), before or instead of writing any report.
int run_command(const RunOptions& options);

}  // namespace tb::run
