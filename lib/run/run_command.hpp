#pragma once
// `torchbench-cli run`: validate everything, run each variant in its own worker process,
// print the table, write the report. With --config, a suite: each entry one run of one
// model, one after the other, all in one report.
#include <set>
#include <string>
#include <vector>

#include "core/run_settings.hpp"

namespace tb::run {

struct RunOptions : RunSettings {
  std::vector<std::string> models;  // empty runs the default built-in; several are interleaved
  std::string output;               // "" no report file, "-" stdout
  bool quiet = false;               // no progress lines
  std::string config;               // --config FILE: a suite (docs/config.md); "" for none
  std::string shard;                // --shard I/N of the suite; "" for all of it
  bool list = false;                // --list: validate, print the plan, run nothing
  // With --config: the settings given on the command line, as config keys ("timing.max_time");
  // they override the config's defaults (an entry's own keys still win).
  std::set<std::string> given;
};

// The variants used when none is given: a naive baseline and the standard inference steps.
std::vector<std::string> default_variants();

// Returns the exit code (0 ok, 1 an accuracy gate failed, 4 some variants failed). Throws Error for usage errors (2)
// and model/input errors (3), before or instead of writing any report.
int run_command(const RunOptions& options);

}  // namespace tb::run
