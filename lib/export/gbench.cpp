// google/benchmark's JSON (json_schema_version 1), so that its tools/compare.py can compare
// two reports. Our samples are single calls; google/benchmark's repetitions summarise many
// iterations, so the samples are split in time order into up to kRepetitions blocks, each
// one an "iteration" run (iterations = block size, real_time = the block's median: a mean
// would follow the few 20x outliers of a busy machine), followed by the mean/median/stddev/cv
// aggregates over the blocks as google/benchmark writes them. Times are in microseconds:
// compare.py prints whole numbers of the unit.
#include <algorithm>
#include <numeric>

#include <nlohmann/json.hpp>

#include "export/export.hpp"
#include "report/report_reader.hpp"
#include "util/statistics.hpp"

namespace tb::exports {
namespace {

using nlohmann::json;

constexpr std::size_t kRepetitions = 10;
constexpr double kUsPerMs = 1000;

json run_json(const Row& row, std::size_t index, std::size_t repetitions) {
  return {{"name", row.name},
          {"family_index", index},
          {"per_family_instance_index", 0},
          {"run_name", row.name},
          {"run_type", "iteration"},
          {"repetitions", repetitions},
          {"repetition_index", 0},
          {"threads", 1}};
}

json aggregate_json(const Row& row, std::size_t index, std::size_t repetitions, const char* aggregate, double value,
                    bool percentage) {
  return {{"name", row.name + "_" + aggregate},
          {"family_index", index},
          {"per_family_instance_index", 0},
          {"run_name", row.name},
          {"run_type", "aggregate"},
          {"repetitions", repetitions},
          {"threads", 1},
          {"aggregate_name", aggregate},
          {"aggregate_unit", percentage ? "percentage" : "time"},
          {"iterations", repetitions},
          {"real_time", value},
          {"cpu_time", value},
          {"time_unit", "us"}};
}

void append_runs(const Row& row, std::size_t index, json& benchmarks) {
  const auto& r = *row.result;
  if (!row.measured() || r.status != "ok") {
    auto entry = run_json(row, index, 1);
    entry["error_occurred"] = true;
    entry["error_message"] = row.failure();
    entry["iterations"] = 0;
    entry["real_time"] = 0.0;
    entry["cpu_time"] = 0.0;
    entry["time_unit"] = "us";
    benchmarks.push_back(std::move(entry));
    return;
  }
  const auto& samples = r.samples_ms;
  const std::size_t repetitions = std::min(kRepetitions, samples.size());
  std::vector<double> medians;
  for (std::size_t i = 0; i < repetitions; ++i) {
    // Blocks of near-equal size, in the order the samples were measured.
    const auto begin = samples.begin() + static_cast<std::ptrdiff_t>(i * samples.size() / repetitions);
    const auto end = samples.begin() + static_cast<std::ptrdiff_t>((i + 1) * samples.size() / repetitions);
    const auto count = static_cast<std::size_t>(end - begin);
    const double total = std::accumulate(begin, end, 0.0);
    const double median = summarize(std::span<const double>(&*begin, count)).median * kUsPerMs;
    medians.push_back(median);
    auto entry = run_json(row, index, repetitions);
    entry["repetition_index"] = i;
    entry["iterations"] = count;
    entry["real_time"] = median;
    entry["cpu_time"] = median;  // we measure wall (or device) time only
    entry["time_unit"] = "us";
    entry["batch"] = r.batch;
    const double items = static_cast<double>(r.batch) * static_cast<double>(count);
    entry["items_per_second"] = total > 0 ? items * 1000.0 / total : 0.0;
    benchmarks.push_back(std::move(entry));
  }
  if (repetitions < 2) return;  // google/benchmark writes aggregates only for repetitions
  const auto s = summarize(medians);
  benchmarks.push_back(aggregate_json(row, index, repetitions, "mean", s.mean, false));
  benchmarks.push_back(aggregate_json(row, index, repetitions, "median", s.median, false));
  benchmarks.push_back(aggregate_json(row, index, repetitions, "stddev", s.stddev, false));
  benchmarks.push_back(aggregate_json(row, index, repetitions, "cv", s.cv, true));
}

}  // namespace

std::string render_gbench(const report::ReportFile& report, const std::vector<Row>& rows) {
  const auto field = [&](const char* pointer) { return report::environment_field(report, pointer); };
  json context = {{"date", report.created_at},
                  {"host_name", field("/hostname")},
                  {"executable", "torchbench-cli"},
                  {"caches", json::array()},
                  {"library_build_type", "release"},
                  {"json_schema_version", 1},
                  {"torchbench_cli", {{"version", report.tool_version},
                                      {"git_sha", report.git_sha},
                                      {"report_schema_version", report.schema_version},
                                      {"cpu_model", field("/cpu/model")},
                                      {"libtorch_version", field("/libtorch/libtorch_version")},
                                      {"device", field("/device")}}}};
  if (const auto cpus = report.environment.find("cpu");
      cpus != report.environment.end() && cpus->is_object() && cpus->contains("logical_cpus") &&
      (*cpus)["logical_cpus"].is_number_integer()) {
    context["num_cpus"] = (*cpus)["logical_cpus"];
  }
  if (const auto load = report.environment.find("load_average_1m");
      load != report.environment.end() && load->is_number()) {
    context["load_avg"] = json::array({*load});
  }
  json benchmarks = json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) append_runs(rows[i], i, benchmarks);
  return json{{"context", context}, {"benchmarks", benchmarks}}.dump(2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

}  // namespace tb::exports
