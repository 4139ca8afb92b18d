#include "util/system_info.hpp"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "util/strings.hpp"

namespace tb {
namespace {

std::string first_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return std::string(trim(line));
}

// "key : value" lines as in /proc/cpuinfo and /proc/driver/nvidia/.../information.
std::string value_after_colon(const std::string& line) {
  const auto colon = line.find(':');
  return colon == std::string::npos ? std::string() : std::string(trim(line.substr(colon + 1)));
}

void read_cpuinfo(SystemInfo& info) {
  static const std::set<std::string> interesting = {
      "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
      "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16",
      "amx_int8", "asimd", "sve", "sve2", "bf16", "i8mm"};
  std::ifstream in("/proc/cpuinfo");
  std::string line, physical_id;
  std::set<std::pair<std::string, std::string>> cores;
  std::set<std::string> flags;
  while (std::getline(in, line)) {
    if (line.starts_with("model name") || (info.cpu_model.empty() && line.starts_with("Model"))) {
      if (info.cpu_model.empty() || line.starts_with("model name")) info.cpu_model = value_after_colon(line);
    } else if (line.starts_with("physical id")) {
      physical_id = value_after_colon(line);
    } else if (line.starts_with("core id")) {
      cores.emplace(physical_id, value_after_colon(line));
    } else if (line.starts_with("flags") || line.starts_with("Features")) {
      std::istringstream words(value_after_colon(line));
      for (std::string flag; words >> flag;) {
        if (interesting.count(flag)) flags.insert(flag);
      }
    }
  }
  info.physical_cores = static_cast<int>(cores.size());
  info.cpu_flags.assign(flags.begin(), flags.end());
}

void read_nvidia(SystemInfo& info) {
  std::error_code ec;
  const std::filesystem::path root = "/proc/driver/nvidia";
  if (!std::filesystem::exists(root, ec)) return;
  const std::string version = first_line(root / "version");
  // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  ..."
  std::istringstream words(version);
  for (std::string word; words >> word;) {
    if (!word.empty() && std::isdigit(static_cast<unsigned char>(word[0])) && word.find('.') != std::string::npos) {
      info.nvidia_driver = word;
      break;
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(root / "gpus", ec)) {
    std::ifstream in(entry.path() / "information");
    GpuInfo gpu;
    gpu.bus = entry.path().filename().string();
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("Model:")) gpu.name = value_after_colon(line);
    }
    info.gpus.push_back(gpu);
  }
}

}  // namespace

SystemInfo read_system_info() {
  SystemInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) info.hostname = host;
  utsname uts{};
  if (uname(&uts) == 0) {
    info.os = std::string(uts.sysname) + " " + uts.release;
    info.arch = uts.machine;
  }
  read_cpuinfo(info);
  info.logical_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  if (info.physical_cores == 0) info.physical_cores = info.logical_cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) info.affinity_cpus = CPU_COUNT(&set);
  info.governor = first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  double load[1];
  if (getloadavg(load, 1) == 1) info.load_average_1m = load[0];
  read_nvidia(info);
  info.nvml = read_nvml();
  return info;
}

}  // namespace tb
