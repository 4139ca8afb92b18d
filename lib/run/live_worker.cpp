#include "run/live_worker.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "util/atomic_file.hpp"
#include "util/markup.hpp"
#include "util/strings.hpp"

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

std::string path_with(const std::filesystem::path& stem, const char* suffix) { return stem.string() + suffix; }

// The rounds as the orchestrator received them, from every process of the variant.
void copy_rounds(const WorkerResult& from, WorkerResult& to) {
  to.samples_ms = from.samples_ms;
  to.host_samples_ms = from.host_samples_ms;
  to.enqueue_samples_ms = from.enqueue_samples_ms;
  to.h2d_samples_ms = from.h2d_samples_ms;
  to.d2h_samples_ms = from.d2h_samples_ms;
  to.round_sizes = from.round_sizes;
  to.round_positions = from.round_positions;
  to.round_processes = from.round_processes;
}

}  // namespace

LiveWorker::LiveWorker(const WorkerSettings& settings, WorkerJob job, std::size_t index)
    : settings_(settings), job_(std::move(job)), stem_(settings.work_dir / ("variant-" + std::to_string(index))) {
  outcome_.model = job_.model;
  outcome_.variant = job_.variant;
  job_.outputs_path = outputs_path().string();
}

LiveWorker::~LiveWorker() {
  if (running()) skip("stopped");
}

std::filesystem::path LiveWorker::outputs_path() const { return path_with(stem_, ".outputs.pt"); }

bool LiveWorker::start() {
  write_file_atomic(path_with(stem_, ".job.json"), nlohmann::json(job_).dump(2));
  process_ = spawn_piped_process({settings_.executable.string(), "__worker", "--serve", "--job",
                                  path_with(stem_, ".job.json"), "--result", path_with(stem_, ".result.json")},
                                 path_with(stem_, ".log"));
  if (process_index_ == 0) started_ = std::chrono::steady_clock::now();
  replies_.emplace(process_.from_child);
  std::optional<WorkerResult> kept = outcome_.result;  // an earlier process's rounds
  std::string line;
  if (read_reply(line) != Wait::line) {
    if (kept && outcome_.result) copy_rounds(*kept, *outcome_.result);
    return false;
  }
  try {
    outcome_.result = nlohmann::json::parse(line).at("result").get<WorkerResult>();
    if (kept) copy_rounds(*kept, *outcome_.result);
  } catch (const std::exception& e) {
    skip("");
    outcome_.status = "failed";
    outcome_.error = std::string("the worker's ready message is unreadable: ") + e.what();
    return false;
  }
  return true;
}

bool LiveWorker::restart() {
  if (!running()) return false;
  // Closing its commands ends a serving worker at once, without a result file.
  close(process_.to_child);
  close(process_.from_child);
  const auto began = std::chrono::steady_clock::now();
  const auto process = wait_process(process_.pid, std::chrono::duration<double>(10.0));
  busy_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  process_ = PipedProcess{};
  max_rss_kib_ = std::max(max_rss_kib_, process.max_rss_kib);
  if (!process.exited || process.exit_code != 0) {
    outcome_.worker_outcome = process.describe();
    fail_from_process(process);
    return false;
  }
  ++process_index_;
  return start();
}

std::optional<RoundReply> LiveWorker::measure(const RoundCommand& command, std::int64_t position) {
  if (!running() || !send(measure_command(command))) return std::nullopt;
  std::string line;
  if (read_reply(line) != Wait::line) return std::nullopt;
  RoundReply reply;
  try {
    reply = nlohmann::json::parse(line).get<RoundReply>();
  } catch (const std::exception& e) {
    skip("");
    outcome_.status = "failed";
    outcome_.error = std::string("the worker's round message is unreadable: ") + e.what();
    return std::nullopt;
  }
  auto& result = *outcome_.result;
  result.samples_ms.insert(result.samples_ms.end(), reply.samples_ms.begin(), reply.samples_ms.end());
  result.host_samples_ms.insert(result.host_samples_ms.end(), reply.host_samples_ms.begin(),
                                reply.host_samples_ms.end());
  result.enqueue_samples_ms.insert(result.enqueue_samples_ms.end(), reply.enqueue_samples_ms.begin(),
                                   reply.enqueue_samples_ms.end());
  result.h2d_samples_ms.insert(result.h2d_samples_ms.end(), reply.h2d_samples_ms.begin(), reply.h2d_samples_ms.end());
  result.d2h_samples_ms.insert(result.d2h_samples_ms.end(), reply.d2h_samples_ms.begin(), reply.d2h_samples_ms.end());
  result.round_sizes.push_back(static_cast<std::int64_t>(reply.samples_ms.size()));
  result.round_positions.push_back(position);
  result.round_processes.push_back(process_index_);
  return reply;
}

void LiveWorker::finish(const std::string& reference_outputs) {
  if (!running() || !send(finish_command(reference_outputs))) return;
  std::string line;
  if (read_reply(line) != Wait::line) return;  // failed; the outcome says why
  reap(10.0);
}

void LiveWorker::skip(const std::string& reason) {
  if (running()) {
    kill(process_.pid, SIGKILL);
    reap(std::nullopt);
    outcome_.worker_outcome = "stopped by an interrupt";
  }
  outcome_.status = "skipped";
  outcome_.error = reason;
}

bool LiveWorker::send(const nlohmann::json& command) {
  if (write_line(process_.to_child, command.dump())) return true;
  std::string ignored;
  read_reply(ignored);  // the worker is gone: find out why
  return false;
}

LiveWorker::Wait LiveWorker::read_reply(std::string& line) {
  std::optional<std::chrono::duration<double>> left;
  if (settings_.timeout_seconds) left = std::chrono::duration<double>(*settings_.timeout_seconds - busy_seconds_);
  const auto start = std::chrono::steady_clock::now();
  const auto status = replies_->read_line(line, left, settings_.cancel);
  busy_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  switch (status) {
    case ReadStatus::line:
      return Wait::line;
    case ReadStatus::cancelled:
      skip("interrupted while running");
      return Wait::ended;
    case ReadStatus::timeout:
      kill(process_.pid, SIGKILL);
      reap(std::nullopt);
      outcome_.status = "failed";
      outcome_.worker_outcome = fmt::format("timed out after {:g} s", *settings_.timeout_seconds);
      outcome_.error = "worker " + outcome_.worker_outcome;
      return Wait::ended;
    case ReadStatus::eof:
      reap(10.0);
      return Wait::ended;
  }
  return Wait::ended;
}

// Waits for the process (killing it after `grace_seconds`), then records how it ended: the
// result file it wrote, or the reason it wrote none.
void LiveWorker::reap(std::optional<double> grace_seconds) {
  std::optional<std::chrono::duration<double>> grace;
  if (grace_seconds) grace = std::chrono::duration<double>(*grace_seconds);
  close(process_.to_child);
  close(process_.from_child);
  const auto process = wait_process(process_.pid, grace);
  process_ = PipedProcess{};
  outcome_.worker_outcome = process.describe();
  outcome_.worker_wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  max_rss_kib_ = std::max(max_rss_kib_, process.max_rss_kib);
  outcome_.worker_max_rss_bytes = max_rss_kib_ * 1024;
  fail_from_process(process);
}

void LiveWorker::fail_from_process(const ProcessOutcome& process) {
  const auto result_path = path_with(stem_, ".result.json");
  std::error_code ec;
  if (process.exited && process.exit_code == 0 && std::filesystem::exists(result_path, ec)) {
    WorkerResult written;
    try {
      written = nlohmann::json::parse(read_file(result_path)).get<WorkerResult>();
    } catch (const std::exception& e) {
      outcome_.status = "failed";
      outcome_.error = std::string("the worker's result file is unreadable: ") + e.what();
      return;
    }
    // The rounds as the orchestrator saw them: the worker does not know its positions, and
    // with --processes its file holds only the last process's rounds.
    if (outcome_.result) copy_rounds(*outcome_.result, written);
    outcome_.result = std::move(written);
    if (outcome_.result->failure == FailureStage::unsupported) {
      outcome_.status = "skipped";
      outcome_.error = outcome_.result->error;
    } else if (!outcome_.result->ok()) {
      outcome_.status = "failed";
      outcome_.error = std::string(to_string(outcome_.result->failure)) + ": " + outcome_.result->error;
    }
    return;
  }
  outcome_.status = "failed";
  outcome_.error = "worker " + process.describe();
  // We kill with SIGKILL only on a timeout or an interrupt, which say so themselves.
  if (process.signaled && process.signal == SIGKILL) {
    outcome_.error += " from outside the run (the kernel's out-of-memory killer does this; --variant-memory-limit "
                      "turns running out of memory into an error instead)";
  } else if (process.signaled && job_.memory_limit_bytes) {
    outcome_.error += " (with --variant-memory-limit " + format_byte_size(*job_.memory_limit_bytes) +
                      ", a failed allocation can end this way)";
  }
  if (outcome_.result) outcome_.result->failure = FailureStage::crash;
  if (const auto line = last_line(path_with(stem_, ".log")); !line.empty()) {
    outcome_.error += "; last output: " + printable(line);
  }
}

}  // namespace tb::run
