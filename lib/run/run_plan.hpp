#pragma once
// What `run` will do, checked before anything runs: each entry's models, settings, inputs
// and variants (a plain run is one entry; a suite has one per model of its config file).
// Every error a run can find without loading a model is found here, once for all entries,
// so that a broken entry at the end of a nightly suite stops the run before the first.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/input_spec.hpp"
#include "core/model_ref.hpp"
#include "core/run_settings.hpp"
#include "core/variant_spec.hpp"
#include "report/report.hpp"
#include "run/run_command.hpp"

namespace tb::run {

struct PlannedEntry {
  std::int64_t index = 0;          // in the suite file (the results' rounds.group); 0 for a plain run
  std::vector<ModelRef> models;    // what the workers load
  std::vector<std::string> names;  // how the table and the report name them (a suite: as its file writes them)
  RunSettings settings;            // effective: defaults, config, command line, entry
  std::vector<InputSpec> inputs;
  std::vector<VariantSpec> variants;  // after --sweep expansion, validated against the pass table
  std::size_t baseline = 0;           // into variants
  std::string where;                  // "smoke.json: models[1] (builtin:mlp)" for messages; "" for a plain run

  // The report's view of this entry.
  report::RunConfig run_config() const;
};

struct RunPlan {
  std::vector<PlannedEntry> entries;           // the entries this run (this shard) measures, in file order
  std::optional<report::SuiteRunInfo> suite;   // with --config; entries_run left empty
  RunSettings first;                           // the report's top-level settings: the first entry's, or the
                                               // config's defaults when this shard has no entry
  std::string device_note;                     // --list: why the device was not checked here ("" when it was)
};

// Checks everything that can be checked without loading a model and returns the plan.
// Throws UsageError (2) or ModelError (3); in a suite the message starts with the file, the
// entry and its model.
RunPlan plan_run(const RunOptions& options);

// `run --list`: the plan as text, one block per entry.
void print_plan(const RunPlan& plan, std::ostream& out);

}  // namespace tb::run
