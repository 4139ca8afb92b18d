#pragma once
// One variant's worker process, kept alive between measurement rounds (`__worker --serve`),
// and everything that can happen to it turned into a VariantOutcome.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>

#include "core/worker_protocol.hpp"
#include "report/report.hpp"
#include "util/line_pipe.hpp"
#include "util/subprocess.hpp"

namespace tb::run {

struct WorkerSettings {
  std::filesystem::path executable;
  std::filesystem::path work_dir;  // job, result, output and log files
  // Limit on the time this variant's worker spends busy (preparing, in its rounds,
  // finishing), not counting the time it waits while other variants run.
  std::optional<double> timeout_seconds;
  // Polled while waiting on the worker (see InterruptGuard): once non-zero the worker is
  // killed and the variant is "skipped".
  const volatile std::sig_atomic_t* cancel = nullptr;
};

class LiveWorker {
 public:
  LiveWorker(const WorkerSettings& settings, WorkerJob job, std::size_t index);
  ~LiveWorker();  // kills a worker still running
  LiveWorker(const LiveWorker&) = delete;
  LiveWorker& operator=(const LiveWorker&) = delete;

  // Starts the process and waits until it has loaded the model, applied the passes, made
  // the first call and warmed up. False when it failed (outcome() says why).
  bool start();

  // Ends this process without a result and starts a fresh one, which measures the next
  // rounds (--processes); the rounds measured so far are kept. False when the old process
  // did not end cleanly or the new one failed to start (outcome() says why).
  bool restart();

  // Which of the variant's processes is running (0 for the first, +1 per restart()).
  std::int64_t process_index() const { return process_index_; }

  // One measured round; `position` is where this variant ran in the round's order. Nullopt
  // when the worker failed (outcome() says why; the samples of earlier rounds are kept).
  std::optional<RoundReply> measure(const RoundCommand& command, std::int64_t position);

  // Accuracy against `reference_outputs` ("" for the baseline, which saves its outputs),
  // model size, the result file; then the process ends. outcome() is final afterwards.
  void finish(const std::string& reference_outputs);

  // Kills the process (if running) and marks the variant skipped with `reason`.
  void skip(const std::string& reason);

  bool running() const { return process_.pid > 0; }
  const report::VariantOutcome& outcome() const { return outcome_; }
  report::VariantOutcome& outcome() { return outcome_; }
  std::filesystem::path outputs_path() const;

 private:
  enum class Wait { line, ended };
  // Reads one reply within the remaining busy-time budget; on anything but a line the
  // process is reaped and the outcome records why.
  Wait read_reply(std::string& line);
  void reap(std::optional<double> grace_seconds);
  void fail_from_process(const ProcessOutcome& process);
  bool send(const nlohmann::json& command);

  WorkerSettings settings_;
  WorkerJob job_;
  std::filesystem::path stem_;
  PipedProcess process_;
  std::optional<LineReader> replies_;
  double busy_seconds_ = 0;
  std::int64_t process_index_ = 0;
  std::int64_t max_rss_kib_ = 0;  // over the processes that have ended
  std::chrono::steady_clock::time_point started_;
  report::VariantOutcome outcome_;
};

}  // namespace tb::run
