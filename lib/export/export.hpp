#pragma once
// `torchbench-cli report RUN.json --format FMT`: a report in the formats other tools read.
// One file per format; the table below is the extension point (docs/exports.md).
#include <string>
#include <string_view>
#include <vector>

#include "report/report_reader.hpp"
#include "util/bootstrap.hpp"
#include "util/outliers.hpp"
#include "util/statistics.hpp"

namespace tb::exports {

// What every format shows of one result, computed once from its raw samples.
struct Row {
  const report::ResultRecord* result = nullptr;
  std::string name;   // "MODEL/VARIANT": one benchmark name in the other tools
  Summary stats;      // count 0 without samples
  Interval median_ci;  // 95% bootstrap CI of the median (ms)
  double throughput_per_s = 0;  // batch × iterations / total time, as in the report
  OutlierCounts outliers;

  bool measured() const { return stats.count > 0; }
  // Ran, measured and held its accuracy gate: a passing test case.
  bool passed() const { return result->passed(); }
  // Why it did not pass: the error, or "accuracy gate: <violations>"; "" when it passed.
  std::string failure() const;
};

inline constexpr double kExportConfidence = 0.95;

std::vector<Row> rows_of(const report::ReportFile& report);

struct Format {
  std::string_view name;
  std::string_view description;
  std::string (*render)(const report::ReportFile& report, const std::vector<Row>& rows);
};

// The formats, in the order `report --help` lists them.
const std::vector<Format>& formats();

// Renders `report` as `format`; UsageError with a did-you-mean for an unknown format.
std::string export_report(const report::ReportFile& report, const std::string& format);

// One renderer per file.
std::string render_gbench(const report::ReportFile& report, const std::vector<Row>& rows);
std::string render_github_action(const report::ReportFile& report, const std::vector<Row>& rows);
std::string render_bmf(const report::ReportFile& report, const std::vector<Row>& rows);
std::string render_junit(const report::ReportFile& report, const std::vector<Row>& rows);
std::string render_csv(const report::ReportFile& report, const std::vector<Row>& rows);
std::string render_markdown(const report::ReportFile& report, const std::vector<Row>& rows);

}  // namespace tb::exports
