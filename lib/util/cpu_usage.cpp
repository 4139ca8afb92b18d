#include "util/cpu_usage.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

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
std::optional<unsigned long long> busy_ticks(std::string_view fields) {
  std::vector<unsigned long long> values;
  while (!fields.empty()) {
    const auto start = fields.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    fields.remove_prefix(start);
    unsigned long long value = 0;
    const auto [end, error] = std::from_chars(fields.data(), fields.data() + fields.size(), value);
    if (error != std::errc{} || (end != fields.data() + fields.size() && *end != ' ')) return std::nullopt;
    values.push_back(value);
    fields.remove_prefix(static_cast<std::size_t>(end - fields.data()));
  }
  if (values.size() < 4) return std::nullopt;
  unsigned long long busy = 0;
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
  // CPU number (-1: the aggregate line) -> the rest of its line.
  std::map<int, std::string_view> lines;
  while (!proc_stat.empty()) {
    const auto newline = proc_stat.find('\n');
    auto line = proc_stat.substr(0, newline);
    proc_stat.remove_prefix(newline == std::string_view::npos ? proc_stat.size() : newline + 1);
    if (!line.starts_with("cpu")) continue;
    line.remove_prefix(3);
    int cpu = -1;
    if (!line.empty() && line.front() != ' ') {
      const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), cpu);
      if (error != std::errc{} || cpu < 0 || end == line.data() + line.size() || *end != ' ') continue;
      line.remove_prefix(static_cast<std::size_t>(end - line.data()));
    }
    lines.emplace(cpu, line);
  }
  unsigned long long busy = 0;
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
