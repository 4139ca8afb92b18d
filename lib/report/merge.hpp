#pragma once
// `torchbench-cli merge A.json B.json ... -o ALL.json`: the shard reports of one suite
// (`run --config FILE --shard I/N`) as one report that `compare` and `report` read like any
// other (docs/ci.md, docs/report-schema.md). Torch-free.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb::report {

// One report to merge: its text and the name messages use (the path as given).
struct MergeInput {
  std::string name;
  std::string text;
};

struct MergeResult {
  nlohmann::json report;
  std::vector<std::int64_t> shards;   // the shards it holds, 1-based, ascending
  std::int64_t shard_count = 1;
  std::vector<std::int64_t> missing;  // the shards it lacks
  std::vector<std::string> warnings;  // missing shards, different machines or builds, ...
};

// Merges the reports: results in suite order (by entry index, their rounds.group), config of
// the suite with every entry, the environment of each shard in `shards[]`. Throws UsageError
// (exit 2) for reports that cannot be merged, naming the files: different schema versions,
// different suites (name or config digest) or shard counts, a report without suite
// information, a shard given twice; ModelError (exit 3) for content that is not a valid
// report (report_reader.hpp) or a (model, variant) that two reports both hold.
MergeResult merge_reports(const std::vector<MergeInput>& inputs);

struct MergeCommandOptions {
  std::vector<std::string> reports;
  std::string output;  // "-" for stdout; else written atomically
  bool quiet = false;  // no summary line
};

// Checks the destination, reads the reports, merges, writes; warnings go to `err` as
// "torchbench-cli: warning: ..." lines. Returns 0 (missing shards are a warning, and
// summary.complete false in the merged report).
int merge_command(const MergeCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tb::report
