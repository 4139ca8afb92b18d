// `pin=CPUS`: the worker process runs only on these CPUs (sched_setaffinity, as
// `numactl --physcpubind` or `taskset -c` would), and its intra-op thread count becomes the
// number of pinned CPUs, one thread per CPU, unless the variant also sets threads=N (which
// applies after pin). Pinning keeps the scheduler from migrating threads between cores and
// lets benchmarks share a machine without sharing cores.
#include <ATen/Parallel.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "passes/pass.hpp"
#include "util/strings.hpp"

namespace tb::passes {
namespace {

// "0-3,6" for {0, 1, 2, 3, 6}.
std::string cpu_ranges(const std::vector<int>& cpus) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    parts.push_back(j == i ? std::to_string(cpus[i]) : std::to_string(cpus[i]) + "-" + std::to_string(cpus[j]));
    i = j + 1;
  }
  return join(parts, ",");
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

std::string check_pin(const PassSpec& pass, const VariantSpec&, const c10::Device&) {
  const auto allowed = allowed_cpus();
  std::vector<int> missing;
  const auto wanted = *parse_cpu_list(*pass.value);
  for (const int cpu : wanted) {
    if (!std::binary_search(allowed.begin(), allowed.end(), cpu)) missing.push_back(cpu);
  }
  if (missing.empty()) return "";
  return "pin=" + *pass.value + ": CPU" + (missing.size() == 1 ? " " : "s ") + cpu_ranges(missing) +
         (missing.size() == 1 ? " is" : " are") + " not available to this process (it may use " +
         cpu_ranges(allowed) + ")";
}

void pin_process(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int cpu : cpus) CPU_SET(cpu, &set);
  // sched_setaffinity acts on one thread: pin every thread that exists already (LibTorch
  // may have started some), threads started later inherit the mask.
  const auto fail = [] { throw std::runtime_error("pin: sched_setaffinity failed: " + std::string(std::strerror(errno))); };
  if (sched_setaffinity(0, sizeof set, &set) != 0) fail();
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    const auto tid = parse_int(task.path().filename().string());
    // ESRCH: the thread ended meanwhile.
    if (tid && sched_setaffinity(static_cast<pid_t>(*tid), sizeof set, &set) != 0 && errno != ESRCH) fail();
  }
}

}  // namespace

extern const PassInfo kPinPass = {
    .name = "pin",
    .summary = "run the worker on these CPUs only (sched_setaffinity, like numactl --physcpubind); threads = their count",
    .stage = Stage::process,
    .value = ValueKind::cpu_list,
    .check = check_pin,
    .apply = [](VariantContext&, const PassSpec& pass) {
      const auto cpus = *parse_cpu_list(*pass.value);
      pin_process(cpus);
      at::set_num_threads(static_cast<int>(cpus.size()));
    },
};

}  // namespace tb::passes
