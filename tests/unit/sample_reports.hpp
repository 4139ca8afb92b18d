#pragma once
// Small run reports built in memory for the compare and export tests.
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report_reader.hpp"
#include "util/random.hpp"

namespace tbtest {

// `n` latency-like samples around `median_ms` (a skewed tail, like a real CPU run).
inline std::vector<double> latency_samples(std::size_t n, double median_ms, std::uint64_t seed) {
  tb::Xoshiro256 rng(seed);
  std::vector<double> samples(n);
  // Exponential tail with a 5% scale: median of 1 + 0.05·Exp(1) is 1 + 0.05·ln 2.
  for (auto& x : samples) x = median_ms * (1 - 0.05 * std::log(rng.open01())) / (1 + 0.05 * std::log(2.0));
  return samples;
}

inline nlohmann::json result_entry(const std::string& model, const std::string& variant,
                                   const std::vector<double>& samples, const std::string& status = "ok",
                                   int batch = 1) {
  nlohmann::json r = {{"model", model},   {"variant", variant}, {"passes", {"no-grad"}},
                      {"status", status}, {"batch", batch},     {"threads", 2}};
  r["error"] = status == "ok" ? nlohmann::json(nullptr) : nlohmann::json("measure: it broke");
  if (status == "ok") r["samples_ms"] = samples;
  return r;
}

inline nlohmann::json report_json(const nlohmann::json& results, const std::string& cpu = "Test CPU") {
  return {{"schema_version", 1},
          {"tool", {{"name", "torchbench-cli"}, {"version", "0.1.0"}, {"git_sha", "0123456789ab"}}},
          {"created_at", "2026-11-25T00:12:03Z"},
          {"environment",
           {{"hostname", "host"},
            {"cpu", {{"model", cpu}, {"logical_cpus", 2}}},
            {"libtorch", {{"libtorch_version", "2.13.0"}, {"default_threads", 2}}},
            {"device", "cpu"}}},
          {"config", nlohmann::json::object()},
          {"results", results}};
}

inline tb::report::ReportFile parsed(const nlohmann::json& report, const std::string& name = "r.json") {
  return tb::report::parse_report(report.dump(), name);
}

}  // namespace tbtest
