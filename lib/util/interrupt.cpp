#include "util/interrupt.hpp"

namespace tb {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void record_signal(int number) { g_signal = number; }

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking wait for a worker returns with EINTR
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int InterruptGuard::signal() const { return g_signal; }

const volatile std::sig_atomic_t* InterruptGuard::flag() { return &g_signal; }

}  // namespace tb
