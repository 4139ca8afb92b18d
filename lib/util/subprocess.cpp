#include "util/subprocess.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tb {

std::string ProcessOutcome::describe() const {
  if (timed_out) return "timed out after " + std::to_string(static_cast<long>(wall_seconds)) + " s";
  if (cancelled) return "stopped by an interrupt";
  if (signaled) {
    const char* name = sigabbrev_np(signal);
    return "killed by signal " + std::to_string(signal) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "exit code " + std::to_string(exit_code);
}

namespace {

// stdin from `stdin_fd` (or /dev/null when -1), stdout/stderr appended to files, and
// `reply_fd` (when not -1) as the child's kReplyFd.
pid_t spawn_with(const std::vector<std::string>& argv, int stdin_fd, int reply_fd,
                 const std::filesystem::path& stdout_path, const std::filesystem::path& stderr_path) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (reply_fd >= 0) posix_spawn_file_actions_adddup2(&actions, reply_fd, kReplyFd);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  // The parent ignores SIGPIPE (a dead worker's pipe must not kill it); the child gets the
  // default back.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    throw std::runtime_error("cannot start '" + argv[0] + "': " + std::strerror(rc));
  }
  return pid;
}

}  // namespace

pid_t spawn_process(const std::vector<std::string>& argv, const std::filesystem::path& stdout_path,
                    const std::filesystem::path& stderr_path) {
  return spawn_with(argv, -1, -1, stdout_path, stderr_path);
}

PipedProcess spawn_piped_process(const std::vector<std::string>& argv, const std::filesystem::path& log_path) {
  int commands[2], replies[2];
  if (pipe2(commands, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(replies, O_CLOEXEC) != 0) {
    const int error = errno;
    close(commands[0]);
    close(commands[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(error));
  }
  PipedProcess process;
  try {
    process.pid = spawn_with(argv, commands[0], replies[1], log_path, log_path);
  } catch (...) {
    for (int fd : {commands[0], commands[1], replies[0], replies[1]}) close(fd);
    throw;
  }
  // The child's ends: once closed here, a dead child means EOF on the reply pipe.
  close(commands[0]);
  close(replies[1]);
  process.to_child = commands[1];
  process.from_child = replies[0];
  return process;
}

ProcessOutcome wait_process(pid_t pid, std::optional<std::chrono::duration<double>> timeout,
                            const volatile std::sig_atomic_t* cancel) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  ProcessOutcome outcome;
  int status = 0;
  rusage usage{};
  auto poll_interval = std::chrono::milliseconds(1);
  const auto kill_and_reap = [&] {
    kill(pid, SIGKILL);
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
  };
  while (true) {
    // With a deadline or a cancel flag to watch, poll (a blocking wait could miss a signal
    // that lands between the flag check and the wait); otherwise block.
    const bool poll = timeout || cancel;
    const pid_t done = wait4(pid, &status, poll ? WNOHANG : 0, &usage);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      throw std::runtime_error(std::string("waiting for a worker failed: ") + std::strerror(errno));
    }
    if (cancel && *cancel) {
      kill_and_reap();
      outcome.cancelled = true;
      break;
    }
    if (done < 0) continue;
    if (timeout && clock::now() - start > *timeout) {
      kill_and_reap();
      outcome.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(poll_interval);
    poll_interval = std::min(poll_interval * 2, std::chrono::milliseconds(50));
  }
  outcome.wall_seconds = std::chrono::duration<double>(clock::now() - start).count();
  outcome.max_rss_kib = usage.ru_maxrss;
  const bool killed_by_us = outcome.timed_out || outcome.cancelled;
  if (!killed_by_us && WIFEXITED(status)) {
    outcome.exited = true;
    outcome.exit_code = WEXITSTATUS(status);
  } else if (!killed_by_us && WIFSIGNALED(status)) {
    outcome.signaled = true;
    outcome.signal = WTERMSIG(status);
  }
  return outcome;
}

std::filesystem::path current_executable() {
  return std::filesystem::read_symlink("/proc/self/exe");
}

}  // namespace tb
