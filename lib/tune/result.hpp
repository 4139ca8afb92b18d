#pragma once
// What a `tune` search found: every candidate with its fate, the rungs, the winner, ties and
// the Pareto front. Written by search(), read by the table, the report's `tune` block and
// the saved configuration.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schedule.hpp"
#include "core/timing_options.hpp"
#include "report/report.hpp"
#include "tune/finalists.hpp"
#include "tune/objective.hpp"
#include "tune/plan.hpp"
#include "tune/space.hpp"

namespace tb::tune {

enum class Fate {
  winner,      // the best; significantly better than every other finalist unless some are tied
  tied,        // a finalist the paired statistics cannot tell from the winner
  finalist,    // in the final comparison, significantly worse than the winner
  eliminated,  // feasible, but not among the best 1/eta of its rung
  infeasible,  // broke a constraint (accuracy, memory, latency)
  failed,      // crashed, ran out of memory, timed out
  skipped,     // a pass cannot work here or does not apply to the model
  unfinished,  // still in the running when the search stopped (budget or interrupt)
  unmeasured,  // never measured: the search stopped first
};

std::string_view to_string(Fate fate);

struct CandidateRecord {
  Candidate candidate;
  std::optional<report::VariantOutcome> outcome;  // of its last rung (round_group = its batch)
  int rung = -1;                                  // its last rung; -1 when never measured
  Evaluation evaluation;                          // of that rung
  Fate fate = Fate::unmeasured;
  std::string reason;                             // why it is not the winner, one line
  bool pareto = false;
};

struct RungRecord {
  int index = 0;
  Rung plan;                               // as planned when the rung started
  TimingOptions timing;                    // of each job of the rung
  ScheduleOptions schedule;
  std::vector<std::int64_t> groups;        // rounds.group of its batches
  std::vector<std::size_t> candidates;     // measured in it
  std::size_t kept = 0;                    // went on to the next rung
  double wall_seconds = 0;
  std::string note;                        // e.g. why the final rung came early
};

struct TuneResult {
  double elapsed_seconds = 0;
  double startup_seconds = 0;   // measured cost of one worker process (start to finish, unmeasured parts)
  std::string stopped;          // "" (the search finished), "budget" or "interrupted"
  std::vector<CandidateRecord> candidates;
  std::vector<RungRecord> rungs;
  std::optional<report::VariantOutcome> baseline;  // measured in the last batch
  std::optional<std::size_t> winner;
  std::vector<std::size_t> tied;
  std::vector<PairComparison> comparisons;
  bool confirmed = false;       // the winner came out of a completed final comparison

  // The rung that measured the winner last (its timing and schedule reproduce it).
  const RungRecord* winner_rung() const;
};

}  // namespace tb::tune
