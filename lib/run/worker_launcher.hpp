#pragma once
// Runs one worker process per variant and turns whatever happens to it into an outcome.
#include <csignal>
#include <filesystem>
#include <optional>

#include "core/worker_protocol.hpp"
#include "report/report.hpp"

namespace tb::run {

class WorkerLauncher {
 public:
  // Job, result, output and log files go into `work_dir`.
  // `cancel`, when given, is polled while a worker runs (see InterruptGuard): once non-zero
  // the worker is killed and its outcome is "skipped".
  WorkerLauncher(std::filesystem::path executable, std::filesystem::path work_dir,
                 std::optional<double> timeout_seconds, const volatile std::sig_atomic_t* cancel = nullptr);

  // Runs the job to completion in a child process. A result the worker wrote is returned as
  // is; a crash, a kill, a timeout or a missing result becomes a failed outcome naming the
  // reason and the last line the worker printed on stderr.
  report::VariantOutcome run(const WorkerJob& job, std::size_t index);

  std::filesystem::path outputs_path(std::size_t index) const;

 private:
  std::filesystem::path executable_;
  std::filesystem::path work_dir_;
  std::optional<double> timeout_seconds_;
  const volatile std::sig_atomic_t* cancel_;
};
}  // namespace tb::run
