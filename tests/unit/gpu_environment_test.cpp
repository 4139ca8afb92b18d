// The GPU part of the environment with fake NVML facts: the nvml block of the report and the
// warnings (clocks that look unlocked, a shared GPU), only for the GPU the run uses.
#include <string>
#include <vector>

#include "catch.hpp"
#include "report/environment.hpp"

namespace {

tb::SystemInfo with_gpu(int sm, int max_sm, int others) {
  tb::SystemInfo s;
  tb::NvmlInfo nvml;
  nvml.driver_version = "570.86.15";
  nvml.cuda_driver_version = 12080;
  tb::NvmlGpu gpu;
  gpu.index = 0;
  gpu.name = "NVIDIA H100 80GB HBM3";
  gpu.sm_clock_mhz = sm;
  gpu.max_sm_clock_mhz = max_sm;
  gpu.other_processes = others;
  nvml.gpus.push_back(gpu);
  s.nvml = nvml;
  return s;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("GPU clocks below the named ratio of their maximum look unlocked", "[gpu_env]") {
  const int max = 1980;
  const auto unlocked = with_gpu(345, max, 0);
  CHECK(any_contains(tb::report::machine_warnings(unlocked, "cuda"), "clocks look unlocked"));
  CHECK(any_contains(tb::report::machine_warnings(unlocked, "cuda:0"), "345 MHz"));
  const auto locked = with_gpu(static_cast<int>(max * tb::report::kUnlockedClockRatio), max, 0);
  CHECK_FALSE(any_contains(tb::report::machine_warnings(locked, "cuda"), "unlocked"));
}

TEST_CASE("a GPU with other compute processes is shared", "[gpu_env]") {
  const auto shared = with_gpu(1980, 1980, 2);
  CHECK(any_contains(tb::report::machine_warnings(shared, "cuda"), "GPU 0 is shared: 2 other compute processes"));
  CHECK(tb::report::machine_warnings(with_gpu(1980, 1980, 0), "cuda").empty());
}

TEST_CASE("GPU warnings only for the GPU the run uses", "[gpu_env]") {
  const auto s = with_gpu(100, 1980, 3);
  CHECK(tb::report::machine_warnings(s, "cpu").empty());
  CHECK(tb::report::gpu_warnings(*s.nvml, 1).empty());
  CHECK(tb::report::machine_warnings(s, "cuda:1").empty());
  CHECK(tb::report::gpu_warnings(*s.nvml, 0).size() == 2);
}

TEST_CASE("the environment has an nvml block, null without NVML", "[gpu_env]") {
  const auto with = tb::report::environment_json(with_gpu(345, 1980, 1), nlohmann::json::object(), "cuda");
  REQUIRE(with.at("nvml").is_object());
  CHECK(with.at("nvml").at("driver_version") == "570.86.15");
  CHECK(with.at("nvml").at("cuda_driver_version") == 12080);
  CHECK(with.at("nvml").at("gpus").at(0).at("sm_clock_mhz") == 345);
  CHECK(with.at("nvml").at("gpus").at(0).at("memory_total_bytes").is_null());
  const auto without = tb::report::environment_json(tb::SystemInfo{}, nlohmann::json::object(), "cpu");
  CHECK(without.at("nvml").is_null());
}
