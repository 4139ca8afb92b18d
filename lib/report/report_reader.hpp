#pragma once
// Reading reports back (for `compare` and `report`): every field that these commands use is
// checked for its type and range, so a hand-edited, truncated or hostile file gives one
// clear error instead of a crash. Fields they do not use are ignored.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb::report {

struct AccuracyRecord {
  std::optional<double> max_abs_err;  // null in the report when non-finite values were seen
  std::optional<double> max_rel_err;
  std::optional<double> cosine;
};

struct GateRecord {
  bool passed = true;  // reports written before accuracy gates existed: passed
  std::vector<std::string> violations;
};

// One entry of `results`, as read.
struct ResultRecord {
  std::string model;
  std::string variant;
  std::vector<std::string> passes;
  std::string status;  // "ok" | "failed" | "skipped"
  std::string error;   // "" when the report has null
  std::string failure_stage;
  bool baseline = false;
  std::int64_t batch = 1;
  std::optional<int> threads;
  std::vector<double> samples_ms;  // finite, >= 0
  // rounds.sizes and rounds.processes; empty when the report has none. Sizes sum to the
  // number of samples when there are samples (a failed variant's are dropped); processes
  // has one entry per round.
  std::vector<std::int64_t> round_sizes;
  std::vector<std::int64_t> round_processes;
  std::int64_t round_group = 0;  // rounds.group (0 when absent): equal groups ran side by side
  std::optional<AccuracyRecord> accuracy;
  GateRecord gate;

  bool ok() const { return status == "ok" && !samples_ms.empty(); }
  // Passed everything: ran, measured, and its accuracy gate (if any) held.
  bool passed() const { return ok() && gate.passed; }
};

// The samples of each worker process that measured `r`, in process order: one group when the
// report does not say (written before --processes, or one process).
std::vector<std::vector<double>> samples_by_process(const ResultRecord& r);

// The samples of each round with the process that measured it, in round order; empty when
// the report does not say which process measured which round.
struct RoundRecord {
  std::int64_t process = 0;
  std::vector<double> samples;
};
std::vector<RoundRecord> samples_by_round(const ResultRecord& r);
// The same rounds' samples grouped by process, in process order.
std::vector<std::vector<double>> samples_by_process(const std::vector<RoundRecord>& rounds);

struct ReportFile {
  std::string name;  // the path as given, for messages
  int schema_version = 0;
  std::string tool_version;
  std::string git_sha;
  std::string created_at;
  // config.schedule.mode: "interleaved" when every result was measured in the same rounds
  // (their round r ran in the same stretch of time); "" when the report does not say.
  std::string schedule_mode;
  nlohmann::json environment = nlohmann::json::object();  // object, as written
  std::vector<ResultRecord> results;
};

// Limits that keep a hostile file from exhausting memory or the stack.
inline constexpr std::uintmax_t kMaxReportBytes = 256u << 20;
inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxResults = 100000;
inline constexpr std::size_t kMaxTextBytes = 4096;  // model, variant, pass names

// Reads and validates a report file. Throws UsageError (exit 2) when the file cannot be read
// (missing, a directory, unreadable, too large) and ModelError (exit 3) when its content is
// not a valid report: "report 'FILE': results[2].samples_ms[5] must be a number >= 0".
ReportFile read_report(const std::filesystem::path& path);

// The file's bytes, with read_report's checks on the file (UsageError) but not its content.
std::string read_report_text(const std::filesystem::path& path);

// The same on text already in memory; `name` is used in the messages.
ReportFile parse_report(std::string_view text, const std::string& name);

// A field of the environment block as text for comparing two environments ("" when absent),
// by JSON pointer, e.g. "/cpu/model".
std::string environment_field(const ReportFile& report, const std::string& pointer);

}  // namespace tb::report
