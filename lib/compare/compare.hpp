#pragma once
// `compare`: match the results of two reports (or two variants of one report) and judge
// each pair with the rule of verdict.hpp. Torch-free; rendering is in render.hpp.
#include <optional>
#include <string>
#include <vector>

#include "compare/verdict.hpp"
#include "report/report_reader.hpp"

namespace tb::compare {

// Which verdicts make `compare` exit with 1 (a failed gate). Each level includes the ones
// before it: never < slower < inconclusive < any-change.
enum class FailOn {
  never,         // report only
  slower,        // slower, or the new side failed (default)
  inconclusive,  // ... or the data cannot tell
  any_change,    // ... or faster, or a result with nothing to compare with: anything but same
};

struct CompareOptions {
  VerdictOptions verdict;
  FailOn fail_on = FailOn::slower;
  // compare_reports: a model in both reports, measured in the same interleaved rounds as the
  // others, that did not change between the runs; results are judged relative to it
  // (compare_normalized). "" = none.
  std::string reference_model;
};

bool fails_gate(Verdict verdict, FailOn fail_on);

// One side of a pair as the tables show it.
struct Side {
  bool present = false;
  std::string model;
  std::string variant;
  std::string status;  // "ok" | "failed" | "skipped"
  std::string error;
  double median_ms = 0;  // per call
  std::int64_t batch = 1;
  std::size_t count = 0;
  std::optional<int> threads;
};

struct Pair {
  std::string model;
  Side base;
  Side candidate;
  Verdict verdict = Verdict::missing;
  std::string reason;
  std::optional<SampleVerdict> stats;  // when both sides have samples
  std::vector<std::string> warnings;
  // The --reference model's own pair: its change is the machine's between the runs, shown
  // but neither gated nor in the geometric mean.
  bool is_reference = false;
};

struct EnvironmentDifference {
  std::string field;  // e.g. "cpu.model"
  std::string base;   // "" when not recorded
  std::string candidate;
};

struct Comparison {
  std::string base_name, candidate_name;  // files (or "FILE: fp32" for variants of one report)
  std::string base_created_at, candidate_created_at;
  std::string base_git_sha, candidate_git_sha;
  CompareOptions options;
  std::vector<EnvironmentDifference> environment_differences;
  std::vector<Pair> pairs;
  std::vector<std::string> warnings;  // everything worth a look, one line each
  std::optional<double> geomean_ratio;  // over the pairs that have statistics
  std::size_t geomean_pairs = 0;
  int exit_code = 0;  // 1 when a pair fails the gate (options.fail_on), else 0

  std::size_t count(Verdict verdict) const;  // not counting the reference's own pair
};

// The environment fields whose difference makes an A/B comparison suspect, as JSON pointers
// into the environment block.
const std::vector<std::pair<std::string, std::string>>& compared_environment_fields();

// Pairs results by (model, variant), in the base report's order, then those only in the new
// report. With options.reference_model, each result of another model is judged relative to
// the reference's result of the same variant (or the reference's baseline when it has no
// such variant) in its own run; a pair for which that is not possible (no rounds, one
// process, another round group) is judged as without, with a warning. Throws ModelError
// (exit 3) when no (model, variant) is in both reports, and UsageError (exit 2) when a
// report lacks the reference model.
Comparison compare_reports(const report::ReportFile& base, const report::ReportFile& candidate,
                           const CompareOptions& options);

// What `compare REPORT` pits against each other: variants (`--a`, `--b`; both or neither),
// models (`--a-model`, `--b-model`; both or neither), or both.
struct Selection {
  std::string a{}, b{};
  std::string a_model{}, b_model{};
};

// Pairs what `selection.a*` picks (base) with what `selection.b*` picks in the same report,
// on whatever the selection leaves open: variants `a` and `b` pair for every model, models
// pair every variant they share, both together pair exactly those. A variant name also
// selects its sweep expansions: `fp32` pairs `fp32/batch=8` with `int8/batch=8`. When the
// report's rounds were interleaved, each pair is judged by compare_paired(). Throws
// UsageError (exit 2) with a did-you-mean for a name the report does not have, and ModelError
// (exit 3) when the two sides share nothing to pair.
Comparison compare_variants(const report::ReportFile& report, const Selection& selection,
                            const CompareOptions& options);

}  // namespace tb::compare
