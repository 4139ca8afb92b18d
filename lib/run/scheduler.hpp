#pragma once
// Measuring a set of worker jobs: one live worker per job, rounds in a seeded random order
// (or one job after the other), each job's accuracy checked against its baseline job.
// `run` measures its (model, variant) jobs with it; anything that measures candidates in
// rounds can.
#include <cstdint>
#include <vector>

#include "core/schedule.hpp"
#include "core/timing_options.hpp"
#include "core/worker_protocol.hpp"
#include "report/report.hpp"
#include "run/live_worker.hpp"
#include "util/interrupt.hpp"

namespace tb::run {

struct MeasureSettings {
  TimingOptions timing;
  ScheduleOptions schedule;
  std::uint64_t seed = 0;  // of the round order
  bool quiet = false;      // no progress lines on stderr
  bool name_models = false;  // progress lines name the model (several models)
  // A baseline job that cannot load its model, build its inputs or survive its first call
  // throws Error (exit 3, or 2 for bad built-in parameters): every job of that model would
  // fail the same way. When false, it is that job's failure like any other.
  bool stop_on_model_error = true;
};

// Starts every job (baselines first), measures them in rounds until each is complete
// (core/schedule.hpp), then finishes them: baselines first, each other job compared with
// the outputs of `baseline_of[i]` (a job is a baseline when baseline_of[i] == i). Returns
// one outcome per job, in job order; interrupted jobs are "skipped".
std::vector<report::VariantOutcome> measure_jobs(const MeasureSettings& settings, const WorkerSettings& workers,
                                                 std::vector<WorkerJob> jobs, std::vector<std::size_t> baseline_of,
                                                 InterruptGuard& interrupt);

}  // namespace tb::run
