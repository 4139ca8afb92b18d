// CPU time of other programs during a run: /proc/stat parsing, the share, and the getrusage
// assumption it rests on (a reaped child's CPU time is this process's).
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <optional>

#include "catch.hpp"
#include "util/cpu_usage.hpp"

using Catch::Matchers::WithinAbs;

namespace {

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Spins until this process has used `seconds` more of CPU time, however busy the machine is.
void spin(double seconds) {
  const double end = process_cpu_seconds() + seconds;
  volatile unsigned long sink = 0;
  while (process_cpu_seconds() < end) sink = sink + 1;
}

tb::CpuUsageSample sample(std::optional<double> busy, double own, double wall, int cpus = 2) {
  tb::CpuUsageSample s;
  s.busy_seconds = busy;
  s.cpus = cpus;
  s.own_seconds = own;
  s.wall_seconds = wall;
  return s;
}

// /proc/stat of a 4-CPU machine (fields: user nice system idle iowait irq softirq steal guest guest_nice).
constexpr const char* kProcStat =
    "cpu  400 80 120 4000 200 20 20 40 28 12\n"
    "cpu0 100 20 30 1000 50 5 5 10 7 3\n"
    "cpu1 100 20 30 1000 50 5 5 10 7 3\n"
    "cpu2 150 40 30 1000 50 5 5 10 7 3\n"
    "cpu3 50 0 30 1000 50 5 5 10 7 3\n"
    "intr 1 2 3 4 5\n"
    "ctxt 12345\n";

}  // namespace

TEST_CASE("proc_stat_busy_seconds: every field but idle and iowait, guest time not twice", "[cpu_usage]") {
  // (100 + 20 + 30 + 5 + 5 + 10) / 100 per CPU 0 and 1; CPU 2 is busier.
  CHECK_THAT(tb::proc_stat_busy_seconds(kProcStat, {0}, 100).value(), WithinAbs(1.70, 1e-12));
  CHECK_THAT(tb::proc_stat_busy_seconds(kProcStat, {0, 2}, 100).value(), WithinAbs(1.70 + 2.40, 1e-12));
  // No CPUs listed: the aggregate line.
  CHECK_THAT(tb::proc_stat_busy_seconds(kProcStat, {}, 100).value(), WithinAbs(6.80, 1e-12));
  // Old kernels write only the first four fields.
  CHECK_THAT(tb::proc_stat_busy_seconds("cpu 1 2 3 4\ncpu0 1 2 3 4\n", {0}, 100).value(), WithinAbs(0.06, 1e-12));
}

TEST_CASE("proc_stat_busy_seconds refuses what it cannot count", "[cpu_usage]") {
  CHECK_FALSE(tb::proc_stat_busy_seconds(kProcStat, {4}, 100));  // a CPU with no line
  CHECK_FALSE(tb::proc_stat_busy_seconds(kProcStat, {0}, 0));
  CHECK_FALSE(tb::proc_stat_busy_seconds("", {}, 100));
  CHECK_FALSE(tb::proc_stat_busy_seconds("intr 1 2 3 4 5\n", {}, 100));
  CHECK_FALSE(tb::proc_stat_busy_seconds("cpu 1 2 3\n", {}, 100));  // too few fields
  CHECK_FALSE(tb::proc_stat_busy_seconds("cpu 1 x 3 4\n", {}, 100));
  CHECK_FALSE(tb::proc_stat_busy_seconds("cpu0 1 -2 3 4\n", {0}, 100));
  CHECK_FALSE(tb::proc_stat_busy_seconds("cpux 1 2 3 4\n", {}, 100));  // not a CPU line
}

TEST_CASE("competing_cpu_share: the CPUs' busy time less ours, per CPU and second", "[cpu_usage]") {
  // 2 s on 2 CPUs; the CPUs were busy 4 s, 3 of them ours: others took 1 of 4 CPU-seconds.
  const auto share = tb::competing_cpu_share(sample(100, 10, 1000), sample(104, 13, 1002));
  REQUIRE(share.has_value());
  CHECK_THAT(*share, WithinAbs(0.25, 1e-12));
  // Tick rounding can make our time exceed the busy time, or the busy time exceed the wall.
  CHECK(tb::competing_cpu_share(sample(100, 10, 1000), sample(102, 13, 1002)).value() == 0.0);
  CHECK(tb::competing_cpu_share(sample(100, 10, 1000), sample(110, 10, 1002)).value() == 1.0);
}

TEST_CASE("competing_cpu_share is unknown without /proc/stat, time or the same CPUs", "[cpu_usage]") {
  CHECK_FALSE(tb::competing_cpu_share(sample(std::nullopt, 0, 0), sample(1, 0, 1)));
  CHECK_FALSE(tb::competing_cpu_share(sample(1, 0, 0), sample(std::nullopt, 0, 1)));
  CHECK_FALSE(tb::competing_cpu_share(sample(1, 0, 5), sample(2, 0, 5)));  // no time passed
  CHECK_FALSE(tb::competing_cpu_share(sample(1, 0, 0, 0), sample(2, 0, 1, 0)));
  CHECK_FALSE(tb::competing_cpu_share(sample(1, 0, 0, 2), sample(2, 0, 1, 3)));  // the affinity changed
}

TEST_CASE("sample_cpu_usage counts this process and the children it reaped", "[cpu_usage]") {
  const auto start = tb::sample_cpu_usage();
#ifdef __linux__
  REQUIRE(start.busy_seconds.has_value());
  CHECK(start.cpus >= 1);
#endif
  spin(0.2);
  const auto after_self = tb::sample_cpu_usage();
  CHECK(after_self.own_seconds - start.own_seconds >= 0.18);  // getrusage and the CPU clock agree to a tick
  CHECK(after_self.wall_seconds - start.wall_seconds >= 0.18);

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
  CHECK(after_child.own_seconds - after_self.own_seconds >= 0.28);
  if (start.busy_seconds && after_child.busy_seconds) {
    // Our spinning ran on the CPUs we may use: their busy time holds ours (to a few ticks).
    CHECK(*after_child.busy_seconds - *start.busy_seconds >=
          after_child.own_seconds - start.own_seconds - 0.05);
  }
}
