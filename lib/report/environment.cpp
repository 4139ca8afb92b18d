#include "report/environment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "util/strings.hpp"
#include "util/version.hpp"

namespace tb::report {
namespace {

template <class T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json nvml_json(const NvmlInfo& nvml) {
  nlohmann::json gpus = nlohmann::json::array();
  for (const auto& g : nvml.gpus) {
    gpus.push_back({{"index", g.index},
                    {"name", g.name},
                    {"memory_total_bytes", optional_json(g.memory_total_bytes)},
                    {"sm_clock_mhz", optional_json(g.sm_clock_mhz)},
                    {"max_sm_clock_mhz", optional_json(g.max_sm_clock_mhz)},
                    {"mem_clock_mhz", optional_json(g.mem_clock_mhz)},
                    {"max_mem_clock_mhz", optional_json(g.max_mem_clock_mhz)},
                    {"other_processes", optional_json(g.other_processes)}});
  }
  return {{"driver_version", nvml.driver_version.empty() ? nlohmann::json(nullptr) : nlohmann::json(nvml.driver_version)},
          {"cuda_driver_version", optional_json(nvml.cuda_driver_version)},
          {"gpus", gpus}};
}

}  // namespace

nlohmann::json environment_json(const SystemInfo& s, const nlohmann::json& libtorch, const std::string& device,
                                std::optional<double> competing_cpu_share) {
  nlohmann::json gpus = nlohmann::json::array();
  for (const auto& gpu : s.gpus) gpus.push_back({{"name", gpu.name}, {"bus", gpu.bus}});
  return {
      {"tool_version", tool_version()},
      {"git_sha", git_sha()},
      {"date", utc_timestamp_now()},
      {"hostname", s.hostname},
      {"os", s.os},
      {"arch", s.arch},
      {"cpu",
       {{"model", s.cpu_model},
        {"logical_cpus", s.logical_cpus},
        {"physical_cores", s.physical_cores},
        {"affinity_cpus", s.affinity_cpus},
        {"flags", s.cpu_flags},
        {"governor", s.governor.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.governor)}}},
      {"load_average_1m", s.load_average_1m ? nlohmann::json(*s.load_average_1m) : nlohmann::json(nullptr)},
      {"competing_cpu_share", optional_json(competing_cpu_share)},
      {"libtorch", libtorch},
      {"device", device},
      {"gpus", gpus},
      {"nvidia_driver", s.nvidia_driver.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.nvidia_driver)},
      {"nvml", s.nvml ? nvml_json(*s.nvml) : nlohmann::json(nullptr)},
  };
}

namespace {

std::string scalar_text(const nlohmann::json& value) {
  if (value.is_null()) return "n/a";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_array()) {
    std::string text;
    for (const auto& item : value) {
      text += (text.empty() ? "" : " ") + (item.is_object() ? item.value("name", item.dump()) : scalar_text(item));
    }
    return text.empty() ? "none" : text;
  }
  return value.dump();
}

void append_lines(const nlohmann::json& object, const std::string& prefix, std::string& out) {
  for (const auto& [key, value] : object.items()) {
    if (value.is_object()) {
      append_lines(value, prefix + key + ".", out);
    } else {
      out += fmt::format("{:<32} {}\n", prefix + key, scalar_text(value));
    }
  }
}

}  // namespace

std::string environment_text(const nlohmann::json& environment) {
  std::string out;
  append_lines(environment, "", out);
  return out;
}

std::vector<std::string> gpu_warnings(const NvmlInfo& nvml, int index) {
  std::vector<std::string> warnings;
  for (const auto& g : nvml.gpus) {
    if (g.index != index) continue;
    if (g.sm_clock_mhz && g.max_sm_clock_mhz && *g.max_sm_clock_mhz > 0 &&
        *g.sm_clock_mhz < kUnlockedClockRatio * *g.max_sm_clock_mhz) {
      warnings.push_back(fmt::format("GPU {} clocks look unlocked: SM clock {} MHz at rest, maximum {} MHz; they rise "
                                     "and fall with load (lock them: nvidia-smi -lgc)",
                                     index, *g.sm_clock_mhz, *g.max_sm_clock_mhz));
    }
    if (g.other_processes && *g.other_processes > 0) {
      warnings.push_back(fmt::format("GPU {} is shared: {} other compute process{} on it", index, *g.other_processes,
                                     *g.other_processes == 1 ? "" : "es"));
    }
  }
  return warnings;
}

std::vector<std::string> machine_warnings(const SystemInfo& system, const std::string& device) {
  std::vector<std::string> warnings;
  if (device.starts_with("cuda") && system.nvml) {
    const auto colon = device.find(':');
    const int index = colon == std::string::npos ? 0 : std::atoi(device.c_str() + colon + 1);
    warnings = gpu_warnings(*system.nvml, index);
  }
  if (!system.governor.empty() && system.governor != "performance") {
    warnings.push_back(fmt::format("CPU frequency governor is '{}', not 'performance': clocks change under load "
                                   "(cpupower frequency-set -g performance)",
                                   system.governor));
  }
  return warnings;
}

std::optional<std::string> load_warning(const SystemInfo& system, std::optional<double> competing_cpu_share) {
  const int cpus = std::max(1, system.affinity_cpus > 0 ? system.affinity_cpus : system.logical_cpus);
  if (competing_cpu_share) {
    if (*competing_cpu_share <= kCompetingCpuShare) return std::nullopt;
    return fmt::format("busy machine: other programs used {:.0f}% of the CPU time of the {} CPU{} this run may use "
                       "(above {:.0f}%); they competed with the measurement",
                       100 * *competing_cpu_share, cpus, cpus == 1 ? "" : "s", 100 * kCompetingCpuShare);
  }
  if (!system.load_average_1m || *system.load_average_1m <= kHighLoadPerCpu * cpus) return std::nullopt;
  return fmt::format("high load: 1-minute load average {:.2f} on {} CPU{} (above {:.1f} per CPU); other programs are "
                     "competing for the machine",
                     *system.load_average_1m, cpus, cpus == 1 ? "" : "s", kHighLoadPerCpu);
}

}  // namespace tb::report
