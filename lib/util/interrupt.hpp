#pragma once
// Ctrl-C and SIGTERM during a run: instead of dying at once (leaving a worker, a scratch
// directory and no report), the run notices, stops its worker and finishes cleanly.
#include <csignal>

namespace tb {

// While alive, SIGINT and SIGTERM only record the signal; the previous handlers come back on
// destruction. One instance at a time.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The signal received so far (SIGINT or SIGTERM), 0 when none.
  int signal() const;

  // The flag the handler sets, for wait_process to poll.
  static const volatile std::sig_atomic_t* flag();

 private:
  struct sigaction old_int_{}, old_term_{};
};

}  // namespace tb
