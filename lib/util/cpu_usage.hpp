#pragma once
// How much of the CPU time of the CPUs this process may use went to other programs while it
// measured: their busy time (/proc/stat) less the CPU time of this process and of the children
// it has reaped (getrusage). The 1-minute load average cannot tell this: it counts this tool's
// own workers too, a previous run's for a minute after that run ended, and programs on CPUs
// this process may not use (other pods of a Kubernetes node, other jobs of a Slurm node).
#include <optional>
#include <string_view>
#include <vector>

namespace tb {

struct CpuUsageSample {
  std::optional<double> busy_seconds;  // of the counted CPUs, since boot; nullopt without /proc/stat
  int cpus = 0;                        // how many CPUs busy_seconds counts
  double own_seconds = 0;              // user + system time of this process and its reaped children
  double wall_seconds = 0;             // steady clock
};

// The busy seconds of `cpus` (CPU numbers) in the text of /proc/stat, from their "cpuN" lines:
// every field but idle and iowait (guest time is already inside user and nice); with no CPUs
// listed, of the aggregate "cpu" line. nullopt when a listed CPU has no line, a line used has
// fewer than the 4 fields every kernel writes or a field is not a number, or
// `ticks_per_second` is not positive.
std::optional<double> proc_stat_busy_seconds(std::string_view proc_stat, const std::vector<int>& cpus,
                                             long ticks_per_second);

// Now, for the CPUs this process may use (sched_getaffinity), from /proc/stat, getrusage and
// the steady clock.
CpuUsageSample sample_cpu_usage();

// The share (0 to 1) of the counted CPUs' time between `before` and `after` that went to other
// programs; nullopt when a sample lacks the busy time, the two count different CPUs or none, or
// no time passed. A child still running at `after` counts as another program: take `after`
// once the children are reaped.
std::optional<double> competing_cpu_share(const CpuUsageSample& before, const CpuUsageSample& after);

}  // namespace tb
