#pragma once
// Child processes: start one with its output sent to files, wait for it with a deadline.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace tb {

struct ProcessOutcome {
  bool exited = false;      // normal exit: `exit_code` is set
  int exit_code = -1;
  bool signaled = false;    // killed by a signal: `signal` is set
  int signal = 0;
  bool timed_out = false;   // we killed it (SIGKILL) because the deadline passed
  bool cancelled = false;   // we killed it (SIGKILL) because the cancel flag was set
  long max_rss_kib = 0;     // peak resident set of the child, from wait4's rusage
  double wall_seconds = 0;

  // "exit code 3", "signal 11 (SIGSEGV)", "timed out after 30 s".
  std::string describe() const;
};

// Starts `argv[0]` (a path, not searched in PATH) with `argv`, stdin from /dev/null and
// stdout/stderr appended to the given files. Throws std::runtime_error when it cannot start.
pid_t spawn_process(const std::vector<std::string>& argv, const std::filesystem::path& stdout_path,
                    const std::filesystem::path& stderr_path);

// A child started with two pipes: it reads commands on its stdin and writes replies on file
// descriptor 3 (kReplyFd), so whatever the model prints on stdout/stderr cannot corrupt them.
inline constexpr int kReplyFd = 3;

struct PipedProcess {
  pid_t pid = -1;
  int to_child = -1;    // write end of the child's stdin
  int from_child = -1;  // read end of the child's fd 3
};

// Like spawn_process, with the two pipes (close-on-exec in the parent, so that other children
// do not inherit them). The caller owns and closes the two descriptors.
PipedProcess spawn_piped_process(const std::vector<std::string>& argv, const std::filesystem::path& log_path);

// Waits for `pid`; with a timeout, kills it with SIGKILL once the timeout passes; with a
// cancel flag (set by a signal handler), kills it once the flag is non-zero.
ProcessOutcome wait_process(pid_t pid, std::optional<std::chrono::duration<double>> timeout,
                            const volatile std::sig_atomic_t* cancel = nullptr);

// The path of the running executable (/proc/self/exe).
std::filesystem::path current_executable();

}  // namespace tb
