#include "util/cpu_usage.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

namespace tb {
namespace {

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

double rusage_seconds(int who) {
  rusage usage{};
  if (getrusage(who, &usage) != 0) return 0;
  return seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
}

}  // namespace

std::optional<double> parse_proc_stat_busy(std::string_view line, long ticks_per_second) {
  if (ticks_per_second <= 0 || !line.starts_with("cpu ")) return std::nullopt;
  line.remove_prefix(4);
  std::vector<unsigned long long> fields;
  while (!line.empty()) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    unsigned long long value = 0;
    const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (error != std::errc{} || (end != line.data() + line.size() && *end != ' ' && *end != '\n')) return std::nullopt;
    fields.push_back(value);
    line.remove_prefix(static_cast<std::size_t>(end - line.data()));
    if (!line.empty() && line.front() == '\n') break;
  }
  // user nice system idle [iowait irq softirq steal guest guest_nice]: guest and guest_nice
  // are already counted in user and nice.
  if (fields.size() < 4) return std::nullopt;
  unsigned long long busy = 0;
  for (std::size_t i = 0; i < std::min<std::size_t>(fields.size(), 8); ++i) {
    if (i != 3 && i != 4) busy += fields[i];
  }
  return static_cast<double>(busy) / static_cast<double>(ticks_per_second);
}

CpuUsageSample sample_cpu_usage() {
  CpuUsageSample sample;
  std::ifstream stat("/proc/stat");
  std::string line;
  if (stat && std::getline(stat, line)) sample.busy_seconds = parse_proc_stat_busy(line, sysconf(_SC_CLK_TCK));
  sample.own_seconds = rusage_seconds(RUSAGE_SELF) + rusage_seconds(RUSAGE_CHILDREN);
  sample.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  return sample;
}

std::optional<double> competing_cpu_share(const CpuUsageSample& before, const CpuUsageSample& after, int cpus) {
  if (!before.busy_seconds || !after.busy_seconds || cpus < 1) return std::nullopt;
  const double wall = after.wall_seconds - before.wall_seconds;
  if (wall <= 0) return std::nullopt;
  const double others =
      (*after.busy_seconds - *before.busy_seconds) - (after.own_seconds - before.own_seconds);
  // The kernel's ticks and getrusage's microseconds disagree by a tick or two: never below 0
  // or above every CPU.
  return std::clamp(others / (wall * cpus), 0.0, 1.0);
}

}  // namespace tb
