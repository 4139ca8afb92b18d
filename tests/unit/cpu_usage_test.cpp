// CPU time of other programs during a run: /proc/stat parsing, the share, and the getrusage
// assumption it rests on (a reaped child's CPU time is this process's).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "catch.hpp"
#include "util/cpu_usage.hpp"

using Catch::Matchers::WithinAbs;

namespace {

// Spins on the CPU (not sleeping) for `seconds` of wall time.
void spin(double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  volatile unsigned long sink = 0;
  while (std::chrono::steady_clock::now() < end) sink = sink + 1;
}

tb::CpuUsageSample sample(std::optional<double> busy, double own, double wall) {
  tb::CpuUsageSample s;
  s.busy_seconds = busy;
  s.own_seconds = own;
  s.wall_seconds = wall;
  return s;
}

}  // namespace

TEST_CASE("parse_proc_stat_busy: every field but idle and iowait, guest time not twice", "[cpu_usage]") {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const auto busy = tb::parse_proc_stat_busy("cpu  100 20 30 1000 50 5 5 10 7 3\n", 100);
  REQUIRE(busy.has_value());
  CHECK_THAT(*busy, WithinAbs(1.70, 1e-12));  // (100 + 20 + 30 + 5 + 5 + 10) / 100
  // Old kernels write only the first four fields.
  CHECK_THAT(tb::parse_proc_stat_busy("cpu 1 2 3 4", 100).value(), WithinAbs(0.06, 1e-12));
}

TEST_CASE("parse_proc_stat_busy refuses what is not the aggregate line", "[cpu_usage]") {
  CHECK_FALSE(tb::parse_proc_stat_busy("cpu0 1 2 3 4 5", 100));  // one CPU's line
  CHECK_FALSE(tb::parse_proc_stat_busy("intr 1 2 3 4 5", 100));
  CHECK_FALSE(tb::parse_proc_stat_busy("cpu 1 2 3", 100));  // too few fields
  CHECK_FALSE(tb::parse_proc_stat_busy("cpu 1 x 3 4", 100));
  CHECK_FALSE(tb::parse_proc_stat_busy("cpu 1 -2 3 4", 100));
  CHECK_FALSE(tb::parse_proc_stat_busy("", 100));
  CHECK_FALSE(tb::parse_proc_stat_busy("cpu 1 2 3 4", 0));
}

TEST_CASE("competing_cpu_share: the machine's busy time less ours, per CPU and second", "[cpu_usage]") {
  // 2 s on 2 CPUs; the CPUs were busy 4 s, 3 of them ours: others took 1 of 4 CPU-seconds.
  const auto share = tb::competing_cpu_share(sample(100, 10, 1000), sample(104, 13, 1002), 2);
  REQUIRE(share.has_value());
  CHECK_THAT(*share, WithinAbs(0.25, 1e-12));
  // Tick rounding can make our time exceed the busy time, or the busy time exceed the wall.
  CHECK(tb::competing_cpu_share(sample(100, 10, 1000), sample(102, 13, 1002), 2).value() == 0.0);
  CHECK(tb::competing_cpu_share(sample(100, 10, 1000), sample(110, 10, 1002), 2).value() == 1.0);
}

TEST_CASE("competing_cpu_share is unknown without /proc/stat, time or CPUs", "[cpu_usage]") {
  CHECK_FALSE(tb::competing_cpu_share(sample(std::nullopt, 0, 0), sample(1, 0, 1), 1));
  CHECK_FALSE(tb::competing_cpu_share(sample(1, 0, 0), sample(std::nullopt, 0, 1), 1));
  CHECK_FALSE(tb::competing_cpu_share(sample(1, 0, 5), sample(2, 0, 5), 1));  // no time passed
  CHECK_FALSE(tb::competing_cpu_share(sample(1, 0, 0), sample(2, 0, 1), 0));
}

TEST_CASE("sample_cpu_usage counts this process and the children it reaped", "[cpu_usage]") {
  const auto start = tb::sample_cpu_usage();
#ifdef __linux__
  REQUIRE(start.busy_seconds.has_value());
#endif
  spin(0.2);
  const auto after_self = tb::sample_cpu_usage();
  CHECK(after_self.own_seconds - start.own_seconds >= 0.1);
  CHECK(after_self.wall_seconds - start.wall_seconds >= 0.2);

  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    spin(0.3);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  const auto after_child = tb::sample_cpu_usage();
  // The child ran on its own CPU time; once reaped it is ours, not another program's.
  CHECK(after_child.own_seconds - after_self.own_seconds >= 0.15);
  if (start.busy_seconds && after_child.busy_seconds) CHECK(*after_child.busy_seconds >= *start.busy_seconds);
}
