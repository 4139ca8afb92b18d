#include "run/worker_launcher.hpp"

#include <fstream>

#include "util/atomic_file.hpp"
#include "util/strings.hpp"
#include "util/subprocess.hpp"

namespace tb::run {
namespace {

std::string last_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!trim(line).empty()) last = std::string(trim(line));
  }
  return last;
}

}  // namespace

WorkerLauncher::WorkerLauncher(std::filesystem::path executable, std::filesystem::path work_dir,
                               std::optional<double> timeout_seconds, const volatile std::sig_atomic_t* cancel)
    : executable_(std::move(executable)),
      work_dir_(std::move(work_dir)),
      timeout_seconds_(timeout_seconds),
      cancel_(cancel) {}

std::filesystem::path WorkerLauncher::outputs_path(std::size_t index) const {
  return work_dir_ / ("outputs-" + std::to_string(index) + ".pt");
}

report::VariantOutcome WorkerLauncher::run(const WorkerJob& job, std::size_t index) {
  const auto stem = work_dir_ / ("variant-" + std::to_string(index));
  const auto job_path = stem.string() + ".job.json";
  const auto result_path = stem.string() + ".result.json";
  const auto log_path = stem.string() + ".log";
  write_file_atomic(job_path, nlohmann::json(job).dump(2));

  report::VariantOutcome outcome;
  outcome.model = job.model;
  outcome.variant = job.variant;
  const auto pid = spawn_process({executable_.string(), "__worker", "--job", job_path, "--result", result_path},
                                 log_path, log_path);
  std::optional<std::chrono::duration<double>> timeout;
  if (timeout_seconds_) timeout = std::chrono::duration<double>(*timeout_seconds_);
  const auto process = wait_process(pid, timeout, cancel_);
  outcome.worker_outcome = process.describe();
  outcome.worker_wall_seconds = process.wall_seconds;
  outcome.worker_max_rss_bytes = process.max_rss_kib * 1024;

  // Interrupted (by us, or by the same Ctrl-C that reached the parent): not a failure of the
  // variant, just not measured.
  if (process.cancelled || (cancel_ && *cancel_)) {
    outcome.status = "skipped";
    outcome.error = "interrupted while running";
    return outcome;
  }
  std::error_code ec;
  if (process.exited && process.exit_code == 0 && std::filesystem::exists(result_path, ec)) {
    try {
      outcome.result = nlohmann::json::parse(read_file(result_path)).get<WorkerResult>();
    } catch (const std::exception& e) {
      outcome.status = "failed";
      outcome.error = std::string("the worker's result file is unreadable: ") + e.what();
      return outcome;
    }
    if (outcome.result->failure == FailureStage::unsupported) {
      outcome.status = "skipped";
      outcome.error = outcome.result->error;
    } else if (!outcome.result->ok()) {
      outcome.status = "failed";
      outcome.error = std::string(to_string(outcome.result->failure)) + ": " + outcome.result->error;
    }
    return outcome;
  }
  outcome.status = "failed";
  outcome.error = "worker " + process.describe();
  if (const auto line = last_line(log_path); !line.empty()) outcome.error += "; last output: " + line;
  return outcome;
}

}  // namespace tb::run
