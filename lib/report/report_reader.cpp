#include "report/report_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "report/report.hpp"
#include "util/errors.hpp"
#include "util/markup.hpp"

namespace tb::report {
namespace {

using nlohmann::json;

// Short text of a JSON value for messages: `got "abc"`, never the whole array.
std::string shown(const json& value) {
  std::string text;
  switch (value.type()) {
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::null: return "null";
    default: text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

// Checks fields of one report; every failure names the file and the field.
class Checker {
 public:
  explicit Checker(std::string name) : name_(std::move(name)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
    // Names and values come from the file: no control characters in the one error line.
    throw ModelError(printable(fmt::format("report '{}': {}{}{}", name_, where, where.empty() ? "" : " ", problem)));
  }

  const json& object_field(const json& parent, const char* key, const std::string& where) const {
    const auto it = parent.find(key);
    if (it == parent.end()) fail(where, "is missing");
    if (!it->is_object()) fail(where, "must be an object, got " + shown(*it));
    return *it;
  }

  std::string text(const json& value, const std::string& where) const {
    if (!value.is_string()) fail(where, "must be a string, got " + shown(value));
    const auto& s = value.get_ref<const std::string&>();
    if (s.size() > kMaxTextBytes) fail(where, fmt::format("is longer than {} bytes", kMaxTextBytes));
    return s;
  }

  std::string required_text(const json& parent, const char* key, const std::string& where) const {
    const auto it = parent.find(key);
    if (it == parent.end()) fail(where, "is missing");
    return text(*it, where);
  }

  // Absent or null: "".
  std::string optional_text(const json& parent, const char* key, const std::string& where) const {
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return "";
    if (!it->is_string()) fail(where, "must be a string or null, got " + shown(*it));
    // Error messages may be long (worker output); keep them whole but bounded.
    const auto& s = it->get_ref<const std::string&>();
    return s.size() > 16 * kMaxTextBytes ? s.substr(0, 16 * kMaxTextBytes) : s;
  }

  std::optional<double> optional_number(const json& parent, const char* key, const std::string& where) const {
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) fail(where, "must be a number or null, got " + shown(*it));
    const double value = it->get<double>();
    if (!std::isfinite(value)) fail(where, "must be finite");
    return value;
  }

  std::int64_t integer(const json& value, const std::string& where, std::int64_t low, std::int64_t high) const {
    if (!value.is_number_integer()) fail(where, "must be an integer, got " + shown(value));
    // A number_unsigned above INT64_MAX reads as a negative int64: compare as unsigned first.
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(high)) {
      fail(where, fmt::format("must be between {} and {}, got {}", low, high, shown(value)));
    }
    const auto n = value.get<std::int64_t>();
    if (n < low || n > high) fail(where, fmt::format("must be between {} and {}, got {}", low, high, n));
    return n;
  }

 private:
  std::string name_;
};

std::vector<double> read_samples(const Checker& check, const json& entry, const std::string& where) {
  std::vector<double> samples;
  const auto it = entry.find("samples_ms");
  if (it == entry.end() || it->is_null()) return samples;
  if (!it->is_array()) check.fail(where + ".samples_ms", "must be an array of numbers, got " + shown(*it));
  samples.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& value = (*it)[i];
    const double x = value.is_number() ? value.get<double>() : -1;
    if (!value.is_number() || !std::isfinite(x) || x < 0) {
      check.fail(fmt::format("{}.samples_ms[{}]", where, i), "must be a finite number >= 0, got " + shown(value));
    }
    samples.push_back(x);
  }
  return samples;
}

GateRecord read_gate(const Checker& check, const json& entry, const std::string& where) {
  GateRecord gate;
  const auto it = entry.find("gate");
  if (it == entry.end() || it->is_null()) return gate;
  if (!it->is_object()) check.fail(where + ".gate", "must be an object or null, got " + shown(*it));
  const auto passed = it->find("passed");
  if (passed == it->end() || !passed->is_boolean()) check.fail(where + ".gate.passed", "must be true or false");
  gate.passed = passed->get<bool>();
  const auto violations = it->find("violations");
  if (violations != it->end() && !violations->is_null()) {
    if (!violations->is_array()) check.fail(where + ".gate.violations", "must be an array of strings");
    for (std::size_t i = 0; i < violations->size(); ++i) {
      gate.violations.push_back(check.text((*violations)[i], fmt::format("{}.gate.violations[{}]", where, i)));
    }
  }
  return gate;
}

std::vector<std::int64_t> read_counts(const Checker& check, const json& rounds, const char* key,
                                      const std::string& where, std::int64_t high) {
  std::vector<std::int64_t> values;
  const auto it = rounds.find(key);
  if (it == rounds.end() || it->is_null()) return values;
  if (!it->is_array()) check.fail(where + "." + key, "must be an array of integers, got " + shown(*it));
  values.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    values.push_back(check.integer((*it)[i], fmt::format("{}.{}[{}]", where, key, i), 0, high));
  }
  return values;
}

// rounds.sizes and rounds.processes, checked against each other and the samples.
void read_rounds(const Checker& check, const json& entry, const std::string& where, ResultRecord& r) {
  const auto it = entry.find("rounds");
  if (it == entry.end() || it->is_null()) return;
  const auto at = where + ".rounds";
  if (!it->is_object()) check.fail(at, "must be an object or null, got " + shown(*it));
  r.round_sizes = read_counts(check, *it, "sizes", at, std::int64_t{1} << 40);
  r.round_processes = read_counts(check, *it, "processes", at, 999);  // run --processes is at most 1000
  if (const auto group = it->find("group"); group != it->end() && !group->is_null()) {
    r.round_group = check.integer(*group, at + ".group", 0, std::int64_t{1} << 40);
  }
  std::uint64_t total = 0;
  for (const auto size : r.round_sizes) total += static_cast<std::uint64_t>(size);
  // A failed or skipped variant's report drops its samples but keeps its rounds.
  if (!r.round_sizes.empty() && !r.samples_ms.empty() && total != r.samples_ms.size()) {
    check.fail(at + ".sizes", fmt::format("add up to {} samples but samples_ms has {}", total, r.samples_ms.size()));
  }
  if (!r.round_processes.empty() && r.round_processes.size() != r.round_sizes.size()) {
    check.fail(at + ".processes", fmt::format("has {} entries for {} rounds", r.round_processes.size(),
                                              r.round_sizes.size()));
  }
}

ResultRecord read_result(const Checker& check, const json& entry, const std::string& where) {
  if (!entry.is_object()) check.fail(where, "must be an object, got " + shown(entry));
  ResultRecord r;
  r.model = check.required_text(entry, "model", where + ".model");
  r.variant = check.required_text(entry, "variant", where + ".variant");
  if (r.variant.empty()) check.fail(where + ".variant", "is empty");
  r.status = check.required_text(entry, "status", where + ".status");
  if (r.status != "ok" && r.status != "failed" && r.status != "skipped") {
    check.fail(where + ".status", "must be \"ok\", \"failed\" or \"skipped\", got " + shown(entry["status"]));
  }
  r.error = check.optional_text(entry, "error", where + ".error");
  r.failure_stage = check.optional_text(entry, "failure_stage", where + ".failure_stage");
  if (const auto it = entry.find("passes"); it != entry.end() && !it->is_null()) {
    if (!it->is_array()) check.fail(where + ".passes", "must be an array of strings, got " + shown(*it));
    for (std::size_t i = 0; i < it->size(); ++i) {
      r.passes.push_back(check.text((*it)[i], fmt::format("{}.passes[{}]", where, i)));
    }
  }
  if (const auto it = entry.find("baseline"); it != entry.end() && !it->is_null()) {
    if (!it->is_boolean()) check.fail(where + ".baseline", "must be true or false, got " + shown(*it));
    r.baseline = it->get<bool>();
  }
  if (const auto it = entry.find("batch"); it != entry.end() && !it->is_null()) {
    r.batch = check.integer(*it, where + ".batch", 1, std::int64_t{1} << 40);
  }
  if (const auto it = entry.find("threads"); it != entry.end() && !it->is_null()) {
    r.threads = static_cast<int>(check.integer(*it, where + ".threads", 0, 1 << 20));
  }
  r.samples_ms = read_samples(check, entry, where);
  if (r.status == "ok" && r.samples_ms.empty()) check.fail(where, "has status \"ok\" but no samples_ms");
  read_rounds(check, entry, where, r);
  if (const auto it = entry.find("accuracy"); it != entry.end() && !it->is_null()) {
    if (!it->is_object()) check.fail(where + ".accuracy", "must be an object or null, got " + shown(*it));
    r.accuracy = AccuracyRecord{check.optional_number(*it, "max_abs_err", where + ".accuracy.max_abs_err"),
                                check.optional_number(*it, "max_rel_err", where + ".accuracy.max_rel_err"),
                                check.optional_number(*it, "cosine", where + ".accuracy.cosine")};
  }
  r.gate = read_gate(check, entry, where);
  return r;
}

}  // namespace

std::vector<RoundRecord> samples_by_round(const ResultRecord& r) {
  std::uint64_t total = 0;
  for (const auto size : r.round_sizes) total += static_cast<std::uint64_t>(size);
  if (r.round_processes.empty() || total != r.samples_ms.size()) return {};
  std::vector<RoundRecord> rounds;
  auto next = r.samples_ms.begin();
  for (std::size_t round = 0; round < r.round_sizes.size(); ++round) {
    const auto end = next + static_cast<std::ptrdiff_t>(r.round_sizes[round]);
    rounds.push_back({r.round_processes[round], std::vector<double>(next, end)});
    next = end;
  }
  return rounds;
}

std::vector<std::vector<double>> samples_by_process(const ResultRecord& r) {
  const auto rounds = samples_by_round(r);
  if (rounds.empty()) return {r.samples_ms};
  return samples_by_process(rounds);
}

std::vector<std::vector<double>> samples_by_process(const std::vector<RoundRecord>& rounds) {
  std::vector<std::vector<double>> groups;
  for (const auto& round : rounds) {
    // Process numbers index the groups; a report is small enough that a gap costs nothing.
    const auto process = static_cast<std::size_t>(round.process);
    if (groups.size() <= process) groups.resize(process + 1);
    groups[process].insert(groups[process].end(), round.samples.begin(), round.samples.end());
  }
  std::erase_if(groups, [](const auto& g) { return g.empty(); });
  return groups;
}

ReportFile parse_report(std::string_view text, const std::string& name) {
  const Checker check(name);
  json root;
  try {
    // The callback bounds the nesting depth: no valid report nests deeper than a few levels.
    root = json::parse(text, [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth) check.fail("", fmt::format("nests deeper than {} levels", kMaxJsonDepth));
      return true;
    });
  } catch (const json::exception& e) {
    // nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1, ...".
    std::string what = e.what();
    if (const auto end = what.find("] "); what.starts_with("[json.exception") && end != std::string::npos) {
      what = what.substr(end + 2);
    }
    check.fail("", "is not valid JSON: " + what);
  }
  if (!root.is_object()) check.fail("", "is not a torchbench-cli report (the top level must be a JSON object)");
  const auto version = root.find("schema_version");
  if (version == root.end()) check.fail("", "is not a torchbench-cli report (no schema_version)");
  ReportFile report;
  report.name = name;
  report.schema_version = static_cast<int>(check.integer(*version, "schema_version", 0, 1 << 20));
  if (report.schema_version != kSchemaVersion) {
    check.fail("", fmt::format("has schema_version {}; this torchbench-cli reads schema_version {}{}",
                               report.schema_version, kSchemaVersion,
                               report.schema_version > kSchemaVersion ? " (the report is from a newer version)" : ""));
  }
  if (const auto tool = root.find("tool"); tool != root.end() && tool->is_object()) {
    report.tool_version = check.optional_text(*tool, "version", "tool.version");
    report.git_sha = check.optional_text(*tool, "git_sha", "tool.git_sha");
  }
  report.created_at = check.optional_text(root, "created_at", "created_at");
  if (const auto config = root.find("config"); config != root.end() && config->is_object()) {
    if (const auto schedule = config->find("schedule"); schedule != config->end() && schedule->is_object()) {
      report.schedule_mode = check.optional_text(*schedule, "mode", "config.schedule.mode");
    }
  }
  if (const auto env = root.find("environment"); env != root.end() && !env->is_null()) {
    if (!env->is_object()) check.fail("environment", "must be an object, got " + shown(*env));
    report.environment = *env;
  }
  const auto results = root.find("results");
  if (results == root.end()) check.fail("results", "is missing");
  if (!results->is_array()) check.fail("results", "must be an array, got " + shown(*results));
  if (results->size() > kMaxResults) check.fail("results", fmt::format("has more than {} entries", kMaxResults));
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < results->size(); ++i) {
    const auto where = fmt::format("results[{}]", i);
    auto r = read_result(check, (*results)[i], where);
    if (!seen.emplace(r.model, r.variant).second) {
      check.fail(where, fmt::format("repeats model '{}' variant '{}'", r.model, r.variant));
    }
    report.results.push_back(std::move(r));
  }
  return report;
}

std::string read_report_text(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw UsageError("report '" + path.string() + "' does not exist");
  if (std::filesystem::is_directory(status)) {
    throw UsageError("report '" + path.string() + "' is a directory, not a report file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read report '" + path.string() + "': " + std::strerror(errno));
  // Read at most the limit (plus one byte to notice a larger file): a device or a pipe given
  // by mistake must not fill the memory.
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxReportBytes) {
      throw UsageError(fmt::format("report '{}' is larger than {} MiB; refusing to read it", path.string(),
                                   kMaxReportBytes >> 20));
    }
  }
  if (in.bad()) throw UsageError("cannot read report '" + path.string() + "': " + std::strerror(errno));
  return text;
}

ReportFile read_report(const std::filesystem::path& path) {
  return parse_report(read_report_text(path), path.string());
}

std::string environment_field(const ReportFile& report, const std::string& pointer) {
  try {
    const json::json_pointer where(pointer);
    if (!report.environment.contains(where)) return "";
    const auto& value = report.environment.at(where);
    if (value.is_null()) return "";
    return value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const json::exception&) {
    return "";  // a malformed pointer or a path through a non-object: not recorded
  }
}

}  // namespace tb::report
