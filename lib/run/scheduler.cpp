#include "run/scheduler.hpp"

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "core/input_spec.hpp"
#include "util/bootstrap.hpp"
#include "util/errors.hpp"
#include "util/markup.hpp"
#include "util/statistics.hpp"
#include "util/strings.hpp"

namespace tb::run {
namespace {

// `with_model`: the run has several models, so the line names the model too.
std::string progress_line(const report::VariantOutcome& o, std::size_t done, std::size_t total, bool with_model) {
  std::string line = fmt::format("[{}/{}] {}{}: ", done, total, with_model ? printable(o.model) + " " : "",
                                 o.variant.name);
  if (o.status != "ok") return line + (o.status == "failed" ? "FAILED: " : "skipped: ") + o.error;
  const auto s = summarize(o.result->samples_ms);
  return line + fmt::format("median {:.4g} ms, cv {:.1f}%, {} iterations, {:.1f} s", s.median, s.cv * 100,
                            s.count, o.worker_wall_seconds);
}

// A baseline that cannot load its model, build its inputs or survive its first call means
// every variant would fail the same way: the run stops with that error (exit 3, or 2 for
// bad built-in parameters) instead of a partial report.
void stop_if_model_or_input_error(const report::VariantOutcome& baseline) {
  if (baseline.status == "ok" || !baseline.result) return;
  const auto& r = *baseline.result;
  if (r.failure != FailureStage::load && r.failure != FailureStage::inputs && r.failure != FailureStage::first_run) {
    return;
  }
  auto message = r.error;
  if (r.failure == FailureStage::first_run) {
    std::vector<std::string> shapes;
    for (const auto& input : r.inputs) shapes.push_back(to_string(input));
    message = "the model failed on its first call with inputs " + join(shapes, ", ") + ": " + r.error +
              "; check --input (one per model input, with the right shape and dtype)";
  }
  throw Error(static_cast<ExitCode>(r.error_exit_code), message);
}

// Every (model, variant) gets a live worker; rounds until each is complete (see
// core/schedule.hpp). In sequential mode the same steps run one job at a time. `baseline_of[i]`
// is the job that job i is checked against: the baseline variant of its model.
class Scheduler {
 public:
  Scheduler(const MeasureSettings& options, const WorkerSettings& settings, std::vector<WorkerJob> jobs,
            std::vector<std::size_t> baseline_of, InterruptGuard& interrupt)
      : options_(options),
        settings_(settings),
        jobs_(std::move(jobs)),
        baseline_of_(std::move(baseline_of)),
        interrupt_(interrupt) {
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
      workers_.push_back(std::make_unique<LiveWorker>(settings_, jobs_[i], i));
      workers_.back()->outcome().is_baseline = is_baseline(i);
    }
    // Baselines first: their failures stop the run before anything else is spent.
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
      if (is_baseline(i)) order_.push_back(i);
    }
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
      if (!is_baseline(i)) order_.push_back(i);
    }
  }

  std::vector<report::VariantOutcome> run() {
    if (options_.schedule.mode == ScheduleMode::interleaved) {
      for (const auto index : order_) start(index);
      measure_rounds(order_);
    } else {
      for (const auto index : order_) {
        start(index);
        measure_rounds({index});
        if (is_baseline(index)) finish(index);  // the others compare against its outputs
      }
    }
    for (const auto index : order_) finish(index);
    std::vector<report::VariantOutcome> outcomes;
    for (auto& worker : workers_) outcomes.push_back(worker->outcome());
    return outcomes;
  }

 private:
  void start(std::size_t index) {
    auto& worker = *workers_[index];
    if (interrupt_.signal()) return worker.skip("not run: the run was interrupted");
    const bool ok = worker.start();
    if (is_baseline(index) && options_.stop_on_model_error) stop_if_model_or_input_error(worker.outcome());
    if (!ok) report_failure(index);
  }

  void measure_rounds(const std::vector<std::size_t>& indices) {
    const auto round = round_timing(options_.timing, options_.schedule.rounds);
    std::vector<MeasureProgress> progress(jobs_.size());
    for (std::int64_t r = 0;; ++r) {
      std::vector<std::size_t> live;
      for (const auto index : indices) {
        if (workers_[index]->running() && !done(index, progress[index])) live.push_back(index);
      }
      if (live.empty() || interrupt_.signal()) break;
      const auto order = round_order(live, options_.seed, r);
      for (std::size_t position = 0; position < order.size() && !interrupt_.signal(); ++position) {
        const auto index = order[position];
        auto& worker = *workers_[index];
        auto& p = progress[index];
        if (process_of_round(options_.schedule, p.rounds) != worker.process_index() && !worker.restart()) {
          report_failure(index);
          continue;
        }
        const auto reply = worker.measure(RoundCommand{round, 1}, static_cast<std::int64_t>(position));
        if (!reply) {
          report_failure(index);
          continue;
        }
        ++p.rounds;
        p.iters += static_cast<std::int64_t>(reply->samples_ms.size());
        p.seconds += reply->elapsed_seconds;
        if (options_.schedule.target_precision) {
          p.relative_half_width = relative_ci_half_width(bootstrap_median_ci(worker.outcome().result->samples_ms));
        }
      }
      if (!options_.quiet && options_.schedule.mode == ScheduleMode::interleaved) {
        std::cerr << fmt::format("round {}: {} variant{}\n", r + 1, order.size(), order.size() == 1 ? "" : "s")
                  << std::flush;
      }
    }
    if (interrupt_.signal()) {
      for (const auto index : indices) {
        if (workers_[index]->running()) workers_[index]->skip("interrupted while measuring (partial samples kept)");
      }
    }
  }

  bool done(std::size_t, const MeasureProgress& progress) const {
    return measurement_complete(options_.timing, options_.schedule, progress);
  }

  void finish(std::size_t index) {
    auto& worker = *workers_[index];
    if (!worker.running()) return;
    if (interrupt_.signal()) return worker.skip("interrupted before its accuracy check");
    const auto& base = *workers_[baseline_of_[index]];
    const bool have_reference = !is_baseline(index) && base.outcome().status == "ok";
    worker.finish(have_reference ? base.outputs_path().string() : "");
    auto& outcome = worker.outcome();
    if (!is_baseline(index) && !have_reference && outcome.result && outcome.status == "ok") {
      outcome.result->accuracy_note = "no accuracy: the baseline failed";
    }
    report_progress(index);
  }

  void report_failure(std::size_t index) { report_progress(index); }

  void report_progress(std::size_t index) {
    if (options_.quiet) return;
    std::cerr << progress_line(workers_[index]->outcome(), ++reported_, jobs_.size(), options_.name_models)
              << std::endl;
  }

  bool is_baseline(std::size_t index) const { return baseline_of_[index] == index; }

  const MeasureSettings& options_;
  WorkerSettings settings_;
  std::vector<WorkerJob> jobs_;
  std::vector<std::size_t> baseline_of_;
  InterruptGuard& interrupt_;
  std::vector<std::unique_ptr<LiveWorker>> workers_;
  std::vector<std::size_t> order_;
  std::size_t reported_ = 0;
};

}  // namespace

std::vector<report::VariantOutcome> measure_jobs(const MeasureSettings& settings, const WorkerSettings& workers,
                                                 std::vector<WorkerJob> jobs, std::vector<std::size_t> baseline_of,
                                                 InterruptGuard& interrupt) {
  return Scheduler(settings, workers, std::move(jobs), std::move(baseline_of), interrupt).run();
}

}  // namespace tb::run
