#pragma once
// How much of the machine's CPU time other programs took while this process measured: the
// busy time of every CPU (/proc/stat) less the CPU time of this process and of its children
// that it has reaped (getrusage). The 1-minute load average cannot tell this: it counts this
// tool's own workers too, and a previous run's for a minute after that run ended.
#include <optional>
#include <string_view>

namespace tb {

struct CpuUsageSample {
  std::optional<double> busy_seconds;  // every CPU since boot; nullopt without /proc/stat
  double own_seconds = 0;              // user + system time of this process and its reaped children
  double wall_seconds = 0;             // steady clock
};

// The busy seconds of the aggregate "cpu " line of /proc/stat: every field but idle and iowait
// (guest time is already inside user and nice). nullopt when the line is not that line, has
// fewer than the 4 fields every kernel writes, or `ticks_per_second` is not positive.
std::optional<double> parse_proc_stat_busy(std::string_view line, long ticks_per_second);

// Now, from /proc/stat, getrusage and the steady clock.
CpuUsageSample sample_cpu_usage();

// The share (0 to 1) of `cpus` CPUs' time between `before` and `after` that went to other
// programs; nullopt when a sample lacks the busy time, no time passed or `cpus` < 1. A child
// still running at `after` counts as another program: take `after` once the children are reaped.
std::optional<double> competing_cpu_share(const CpuUsageSample& before, const CpuUsageSample& after, int cpus);

}  // namespace tb
