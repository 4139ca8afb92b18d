#pragma once
// `torchbench-cli tune MODEL`: validate everything, expand the search space, search it with
// worker processes (run::measure_jobs), print the result, write the report and the winning
// configuration. docs/tune.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/gates.hpp"
#include "core/timing_options.hpp"

namespace tb::tune {

struct TuneOptions {
  std::string model;                  // "" = the default built-in
  std::vector<std::string> inputs;    // --input, one per model input
  std::string device = "cpu";
  std::int64_t seed = 0;
  std::vector<std::string> space;     // --space KEY=V1,V2 / KEY+=V (in order)
  std::vector<std::string> fixed;     // --fixed PASS[,PASS...] (after --space)
  std::string baseline;               // --baseline PASSES; "" = inference-mode
  std::string objective = "latency-p50";
  std::vector<GateRule> accuracy;     // --max-abs-err, --max-rel-err, --min-cosine
  std::string latency_budget;         // --latency-budget 20ms; "" = none
  std::string memory_budget;          // --memory-budget 2G; "" = none
  std::string budget = "10m";         // --budget for the whole search
  std::string strategy = "halving";
  std::int64_t eta = 3;
  std::int64_t workers = 4;           // candidates per batch, besides the baseline
  std::int64_t final_processes = 3;
  double alpha = 0.05;                // of the finalists' paired comparisons
  std::string threshold = "2%";       // smallest difference between finalists that matters
  TimingOptions timing;               // its warm-up fields; the plan sets the measured time
  std::optional<double> variant_timeout_seconds;
  bool list = false;                  // print the candidates and exit
  std::string output;                 // "" no report, "-" stdout
  std::string save_config;            // "" none
  bool quiet = false;
};

// Returns the exit code: 0 a winner was found; 1 no candidate met the constraints; 4 none
// could be measured (all failed or skipped). Throws Error for usage errors (2), model/input
// errors (3) and an interrupted search (4, after writing the report).
int tune_command(const TuneOptions& options);

}  // namespace tb::tune
