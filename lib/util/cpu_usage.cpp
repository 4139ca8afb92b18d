#include "util/cpu_usage.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "util/strings.hpp"

namespace tb {
namespace {

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

double rusage_seconds(int who) {
  rusage usage{};
  if (getrusage(who, &usage) != 0) return 0;
  return seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
}

// The busy ticks of one "cpu" or "cpuN" line after its name: user nice system idle [iowait
// irq softirq steal guest guest_nice], less idle and iowait; guest and guest_nice are already
// counted in user and nice.
std::optional<std::int64_t> busy_ticks(std::string_view fields) {
  std::vector<std::int64_t> values;
  for (const auto& field : split(fields, ' ')) {
    if (field.empty()) continue;  // "cpu  400 ...": the aggregate line's name is padded
    const auto value = parse_int(field);
    if (!value || *value < 0) return std::nullopt;
    values.push_back(*value);
  }
  if (values.size() < 4) return std::nullopt;
  std::int64_t busy = 0;
  for (std::size_t i = 0; i < std::min<std::size_t>(values.size(), 8); ++i) {
    if (i != 3 && i != 4) busy += values[i];
  }
  return busy;
}

std::vector<int> affinity_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

}  // namespace

std::optional<double> proc_stat_busy_seconds(std::string_view proc_stat, const std::vector<int>& cpus,
                                             long ticks_per_second) {
  if (ticks_per_second <= 0) return std::nullopt;
  // CPU number (-1: the aggregate line) -> the fields after its name.
  std::map<std::int64_t, std::string> lines;
  for (const auto& line : split(proc_stat, '\n')) {
    const auto space = line.find(' ');
    const auto name = std::string_view(line).substr(0, space);
    if (space == std::string::npos || !name.starts_with("cpu")) continue;
    std::int64_t cpu = -1;
    if (name.size() > 3) {
      const auto number = parse_int(name.substr(3));
      if (!number || *number < 0) continue;
      cpu = *number;
    }
    lines.emplace(cpu, line.substr(space));
  }
  std::int64_t busy = 0;
  for (const int cpu : cpus.empty() ? std::vector<int>{-1} : cpus) {
    const auto it = lines.find(cpu);
    if (it == lines.end()) return std::nullopt;
    const auto ticks = busy_ticks(it->second);
    if (!ticks) return std::nullopt;
    busy += *ticks;
  }
  return static_cast<double>(busy) / static_cast<double>(ticks_per_second);
}

CpuUsageSample sample_cpu_usage() {
  CpuUsageSample sample;
  const auto cpus = affinity_cpus();
  std::ifstream stat("/proc/stat");
  if (stat) {
    std::ostringstream text;
    text << stat.rdbuf();
    sample.busy_seconds = proc_stat_busy_seconds(text.str(), cpus, sysconf(_SC_CLK_TCK));
    sample.cpus = cpus.empty() ? static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)) : static_cast<int>(cpus.size());
  }
  sample.own_seconds = rusage_seconds(RUSAGE_SELF) + rusage_seconds(RUSAGE_CHILDREN);
  sample.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  return sample;
}

std::optional<double> competing_cpu_share(const CpuUsageSample& before, const CpuUsageSample& after) {
  if (!before.busy_seconds || !after.busy_seconds || before.cpus != after.cpus || after.cpus < 1) return std::nullopt;
  const double wall = after.wall_seconds - before.wall_seconds;
  if (wall <= 0) return std::nullopt;
  const double others =
      (*after.busy_seconds - *before.busy_seconds) - (after.own_seconds - before.own_seconds);
  // The kernel's ticks and getrusage's microseconds disagree by a tick or two: never below 0
  // or above every CPU.
  return std::clamp(others / (wall * after.cpus), 0.0, 1.0);
}

}  // namespace tb
