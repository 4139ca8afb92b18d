#pragma once
// The search loop of `tune`: calibrate, then rung after rung measure the candidates in batches
// (each with the baseline), drop the failed and the infeasible, keep the best 1/eta, and
// compare the finalists. Torch-free: measuring a batch, the clock and the interrupt flag are
// injected, so the loop runs in unit tests with fakes (lib/tune/tune_command.cpp gives it
// worker processes through run::measure_jobs).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "compare/verdict.hpp"
#include "core/schedule.hpp"
#include "core/timing_options.hpp"
#include "report/report.hpp"
#include "tune/objective.hpp"
#include "tune/plan.hpp"
#include "tune/result.hpp"
#include "tune/space.hpp"

namespace tb::tune {

struct SearchSettings {
  Strategy strategy = Strategy::halving;
  Objective objective = Objective::latency_p50;
  Constraints constraints;
  compare::VerdictOptions verdict{.alpha = 0.05, .threshold = 0.02};
  double budget_seconds = 600;
  std::size_t eta = 3;
  std::size_t workers = 4;
  std::int64_t final_processes = 3;
  TimingOptions timing;  // warm-up settings; the measured time of each rung comes from the plan
};

// How long the calibration measures the baseline (after its warm-up).
inline constexpr double kCalibrationSeconds = 0.3;
// Each plan is sized to this share of the time left: what a worker costs varies (restarts,
// a busy machine), and a search should end a little early rather than late.
inline constexpr double kPlanShare = 0.9;
// The shortest measured time of one job in one round, and at least this many baseline calls.
inline constexpr double kMinRoundSeconds = 0.02;
inline constexpr double kMinRoundCalls = 2;

struct BatchRequest {
  int rung = -1;                        // -1: the calibration (the baseline alone)
  std::int64_t group = 0;               // rounds.group of its results
  std::vector<std::size_t> candidates;  // indices into the candidate list
  TimingOptions timing;                 // of every job, the baseline's too
  ScheduleOptions schedule;
};

struct SearchHooks {
  // Measures the baseline and the request's candidates in one interleaved batch; returns one
  // outcome per job, the baseline first, then the candidates in order. May throw Error
  // (the baseline cannot load or run the model).
  std::function<std::vector<report::VariantOutcome>(const BatchRequest&)> measure;
  std::function<double()> now;            // seconds on a monotonic clock
  std::function<bool()> interrupted;      // stop before the next batch
  std::function<void(const std::string&)> progress;  // one line per event; may be empty
};

// Runs the search over `candidates`. Throws UsageError when the budget cannot fit even the
// shortest plan (measured after the calibration), and what `measure` throws.
TuneResult search(const std::vector<Candidate>& candidates, const SearchSettings& settings, const SearchHooks& hooks);

// How much longer than its measured time a job's maximum is, so that a short rung's warm-up
// (bounded by the maximum) still completes.
inline constexpr double kWarmupAllowance = 10;

// The stopping rules of a job measured for `seconds` in `rounds` rounds: warm-up as given
// (bounded by seconds + kWarmupAllowance), then at least one sample per round, until the
// measured time is up.
TimingOptions rung_timing(const TimingOptions& base, double seconds, std::int64_t rounds);

}  // namespace tb::tune
