#include "report/merge.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/report.hpp"
#include "report/report_reader.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"
#include "util/markup.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace tb::report {
namespace {

using nlohmann::json;

// Environment fields that tell machines (or builds) apart; a fleet's shards may differ.
constexpr const char* kMachineFields[] = {"/hostname", "/cpu/model", "/os", "/arch", "/libtorch/libtorch_version",
                                          "/device"};

// One input report, checked and with what merge needs from it.
struct Shard {
  std::string name;
  json report;
  std::string suite;
  std::string digest;
  std::int64_t count = 1;
  std::vector<std::int64_t> held;  // the shards this report holds (a merged report: several)
};

// A field of a shard's record or summary, or `fallback` when it is absent or of another type
// (records are only copied along; a hand-edited one must not stop the merge).
std::int64_t integer_or(const json& object, const char* key, std::int64_t fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

std::string text_or(const json& object, const char* key, const std::string& fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

[[noreturn]] void invalid(const std::string& name, const std::string& problem) {
  throw ModelError(printable(fmt::format("report '{}': {}", name, problem)));
}

[[noreturn]] void refuse(const std::string& problem) { throw UsageError(printable("cannot merge: " + problem)); }

std::string shard_text(std::int64_t index, std::int64_t count) { return fmt::format("{}/{}", index, count); }

// config.suite as `run --config` writes it (docs/report-schema.md), and the shards it holds:
// its shard, every shard for a run of the whole suite, or those a merged report lists.
Shard read_suite(const MergeInput& input, json report) {
  Shard shard;
  shard.name = input.name;
  shard.report = std::move(report);
  const json* suite = nullptr;
  if (const auto config = shard.report.find("config"); config != shard.report.end() && config->is_object()) {
    if (const auto it = config->find("suite"); it != config->end()) suite = &*it;
  }
  if (!suite || suite->is_null()) {
    throw UsageError(printable(fmt::format(
        "report '{}' has no suite information (config.suite): merge combines the reports of one suite's shards, "
        "written by `run --config FILE --shard I/N`",
        input.name)));
  }
  if (!suite->is_object()) invalid(input.name, "config.suite must be an object or null");
  const auto text = [&](const char* key) {
    const auto it = suite->find(key);
    if (it == suite->end() || !it->is_string()) {
      invalid(input.name, fmt::format("config.suite.{} must be a string", key));
    }
    return it->get<std::string>();
  };
  const auto count_of = [&](const json& object, const char* where) {
    const auto it = object.find("count");
    if (it == object.end() || !it->is_number_integer() || it->get<std::int64_t>() < 1) {
      invalid(input.name, fmt::format("{}.count must be an integer of 1 or more", where));
    }
    return it->get<std::int64_t>();
  };
  shard.suite = text("name");
  shard.digest = text("digest");
  const auto merged = suite->find("merged");
  const auto one = suite->find("shard");
  if (merged != suite->end() && !merged->is_null()) {
    if (!merged->is_object()) invalid(input.name, "config.suite.merged must be an object");
    shard.count = count_of(*merged, "config.suite.merged");
    const auto held = merged->find("shards");
    if (held == merged->end() || !held->is_array()) invalid(input.name, "config.suite.merged.shards must be an array");
    for (const auto& index : *held) {
      if (!index.is_number_integer() || index.get<std::int64_t>() < 1 || index.get<std::int64_t>() > shard.count) {
        invalid(input.name, "config.suite.merged.shards must hold shard numbers from 1 to its count");
      }
      shard.held.push_back(index.get<std::int64_t>());
    }
  } else if (one != suite->end() && !one->is_null()) {
    if (!one->is_object()) invalid(input.name, "config.suite.shard must be an object or null");
    shard.count = count_of(*one, "config.suite.shard");
    const auto index = one->find("index");
    if (index == one->end() || !index->is_number_integer() || index->get<std::int64_t>() < 1 ||
        index->get<std::int64_t>() > shard.count) {
      invalid(input.name, "config.suite.shard.index must be an integer from 1 to its count");
    }
    shard.held = {index->get<std::int64_t>()};
  } else {
    shard.held = {1};  // the whole suite in one run
  }
  return shard;
}

// The per-shard records of a report: its own, or those of the reports it was merged from.
json shard_records(const Shard& s) {
  if (const auto it = s.report.find("shards"); it != s.report.end() && !it->is_null()) {
    // A merged report: the records of the shards it holds, one each.
    if (!it->is_array() || it->size() != s.held.size()) {
      invalid(s.name, "shards must be an array with one record per shard of config.suite.merged.shards");
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (integer_or((*it)[i], "index", 0) != s.held[i]) {
        invalid(s.name, fmt::format("shards[{}].index must be {} (config.suite.merged.shards)", i, s.held[i]));
      }
    }
    return *it;
  }
  const auto field = [&](const char* key) { return s.report.value(key, json(nullptr)); };
  json record = {{"index", s.held.front()},        {"count", s.count},
                 {"file", s.name},                 {"created_at", field("created_at")},
                 {"tool", field("tool")},          {"environment", field("environment")},
                 {"warnings", field("warnings")}, {"summary", field("summary")}};
  return json::array({record});
}

std::string machine_field(const json& environment, const char* pointer) {
  const json::json_pointer where(pointer);
  if (!environment.is_object() || !environment.contains(where)) return "";
  const auto& value = environment.at(where);
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Warnings about shards that ran on different machines or builds, or with different flags.
void compare_shards(const json& records, const std::vector<Shard>& shards, std::vector<std::string>& warnings) {
  std::vector<std::string> differing;
  for (const auto* pointer : kMachineFields) {
    std::set<std::string> values;
    for (const auto& r : records) values.insert(machine_field(r.value("environment", json::object()), pointer));
    if (values.size() > 1) {
      const std::vector<std::string> listed(values.begin(), values.end());
      differing.push_back(std::string(pointer + 1) + ": " + join(listed, " vs "));
    }
  }
  if (!differing.empty()) {
    warnings.push_back("the shards ran in different environments: " + join(differing, "; ") +
                       "; each shard's environment is kept in shards[], and a result compares best with the same "
                       "entry measured on the same kind of machine");
  }
  std::set<std::string> tools;
  for (const auto& r : records) {
    const auto tool = r.value("tool", json::object());
    tools.insert(fmt::format("{} ({})", text_or(tool, "version", "?"), text_or(tool, "git_sha", "?")));
  }
  if (tools.size() > 1) {
    warnings.push_back("the shards were measured by different torchbench-cli builds: " +
                       join(std::vector<std::string>(tools.begin(), tools.end()), ", "));
  }
  std::set<std::string> overrides;
  for (const auto& s : shards) {
    overrides.insert(s.report.at("config").at("suite").value("overrides", json::object()).dump());
  }
  if (overrides.size() > 1) {
    warnings.push_back("the shards ran with different command-line overrides of the config: " +
                       join(std::vector<std::string>(overrides.begin(), overrides.end()), " vs "));
  }
}

json parse_bounded(const MergeInput& input) {
  try {
    return json::parse(input.text, [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth) invalid(input.name, fmt::format("nests deeper than {} levels", kMaxJsonDepth));
      return true;
    });
  } catch (const json::exception&) {
    parse_report(input.text, input.name);  // its message for invalid JSON
    throw;
  }
}

std::int64_t group_of(const json& result) {
  const auto rounds = result.find("rounds");
  if (rounds == result.end() || !rounds->is_object()) return 0;
  const auto group = rounds->find("group");
  return group != rounds->end() && group->is_number_integer() ? group->get<std::int64_t>() : 0;
}

}  // namespace

MergeResult merge_reports(const std::vector<MergeInput>& inputs) {
  if (inputs.empty()) throw UsageError("merge needs the shard reports: merge A.json B.json ... -o ALL.json");
  // The schema first: a newer report would otherwise fail validation with a less useful message.
  std::vector<json> raw;
  for (const auto& input : inputs) {
    raw.push_back(parse_bounded(input));
    const auto version = raw.back().is_object() ? raw.back().value("schema_version", json(nullptr)) : json(nullptr);
    const auto first = raw.front().is_object() ? raw.front().value("schema_version", json(nullptr)) : json(nullptr);
    if (version.is_number_integer() && first.is_number_integer() && version != first) {
      refuse(fmt::format("'{}' has schema_version {} and '{}' has schema_version {}: reports of different "
                         "torchbench-cli versions; rerun every shard with one version",
                         inputs.front().name, first.dump(), input.name, version.dump()));
    }
  }
  std::vector<Shard> shards;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    parse_report(inputs[i].text, inputs[i].name);  // a valid report, as compare reads it
    shards.push_back(read_suite(inputs[i], std::move(raw[i])));
  }
  std::map<std::int64_t, std::string> held;  // shard -> the file holding it
  const auto& first = shards.front();
  for (const auto& s : shards) {
    if (s.suite != first.suite) {
      refuse(fmt::format("'{}' is suite '{}' and '{}' is suite '{}': merge the shards of one suite", first.name,
                         first.suite, s.name, s.suite));
    }
    if (s.digest != first.digest) {
      refuse(fmt::format("'{}' and '{}' are both suite '{}' but ran different config files ({} vs {}): the config "
                         "changed between the shards; rerun them with one version of it",
                         first.name, s.name, s.suite, first.digest.substr(0, 19), s.digest.substr(0, 19)));
    }
    if (s.count != first.count) {
      refuse(fmt::format("'{}' is one of {} shards and '{}' one of {}: the suite was cut differently; rerun the "
                         "shards with one --shard I/N count",
                         first.name, first.count, s.name, s.count));
    }
    for (const auto index : s.held) {
      if (const auto [it, added] = held.emplace(index, s.name); !added) {
        refuse(fmt::format("'{}' and '{}' both hold shard {}; give each shard once", it->second, s.name,
                           shard_text(index, s.count)));
      }
    }
  }

  MergeResult result;
  result.shard_count = first.count;
  for (std::int64_t i = 1; i <= first.count; ++i) (held.contains(i) ? result.shards : result.missing).push_back(i);

  // Results in suite order; a (model, variant) or an entry held twice means the reports overlap.
  std::vector<std::pair<std::int64_t, const json*>> results;
  std::map<std::pair<std::string, std::string>, std::string> seen;
  std::map<std::int64_t, std::string> groups;
  for (const auto& s : shards) {
    std::set<std::int64_t> own_groups;
    for (const auto& r : s.report["results"]) {
      const auto key = std::pair{r["model"].get<std::string>(), r["variant"].get<std::string>()};
      if (const auto [it, added] = seen.emplace(key, s.name); !added) {
        throw ModelError(printable(fmt::format("cannot merge: '{}' and '{}' both hold model '{}' variant '{}'",
                                               it->second, s.name, key.first, key.second)));
      }
      own_groups.insert(group_of(r));
      results.emplace_back(group_of(r), &r);
    }
    for (const auto group : own_groups) {
      if (const auto [it, added] = groups.emplace(group, s.name); !added) {
        throw ModelError(printable(fmt::format("cannot merge: '{}' and '{}' both hold results of suite entry {} "
                                               "(rounds.group {})",
                                               it->second, s.name, group, group)));
      }
    }
  }
  std::stable_sort(results.begin(), results.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  // Shards in order; the first one's tool, environment and top-level settings stand for all.
  std::vector<const Shard*> by_shard;
  for (const auto& s : shards) by_shard.push_back(&s);
  std::sort(by_shard.begin(), by_shard.end(), [](const Shard* a, const Shard* b) { return a->held < b->held; });
  const auto& lead = by_shard.front()->report;

  json records = json::array();
  for (const auto* s : by_shard) {
    for (auto& r : shard_records(*s)) records.push_back(std::move(r));
  }
  const auto by_index = [](const json& a, const json& b) {
    return integer_or(a, "index", 0) < integer_or(b, "index", 0);
  };
  std::stable_sort(records.begin(), records.end(), by_index);

  json config = lead["config"];
  json entries = json::array();
  json models = json::array();
  for (const auto* s : by_shard) {
    for (const auto& e : s->report["config"].value("entries", json::array())) entries.push_back(e);
  }
  std::stable_sort(entries.begin(), entries.end(), by_index);
  for (const auto& e : entries) models.push_back(e.value("model", json(nullptr)));
  config["models"] = models;
  config["model"] = models.empty() ? json(nullptr) : models.front();
  config["entries"] = entries;
  config["suite"]["shard"] = nullptr;
  config["suite"]["merged"] = {{"count", first.count}, {"shards", result.shards}, {"missing", result.missing}};

  json merged_results = json::array();
  for (const auto& [group, r] : results) merged_results.push_back(*r);
  json warnings = json::array();
  json summary = {{"ok", 0}, {"failed", 0}, {"skipped", 0}, {"gates_failed", 0}};
  std::int64_t exit_code = 0;
  bool complete = result.missing.empty();
  json interrupted_by = nullptr;
  for (const auto& r : records) {
    const auto shard_warnings = r.value("warnings", json::array());
    for (const auto& w : shard_warnings.is_array() ? shard_warnings : json::array()) {
      warnings.push_back(fmt::format("shard {}: {}", shard_text(integer_or(r, "index", 0), integer_or(r, "count", 0)),
                                     w.is_string() ? w.get<std::string>() : w.dump()));
    }
    const auto s = r.value("summary", json::object());
    if (!s.is_object()) continue;
    for (const char* key : {"ok", "failed", "skipped", "gates_failed"}) {
      summary[key] = summary[key].get<std::int64_t>() + integer_or(s, key, 0);
    }
    const auto code = integer_or(s, "exit_code", 0);
    exit_code = code == 4 || exit_code == 4 ? 4 : std::max(exit_code, code);
    const auto shard_complete = s.find("complete");
    complete &= shard_complete == s.end() || !shard_complete->is_boolean() || shard_complete->get<bool>();
    if (interrupted_by.is_null() && s.contains("interrupted_by") && s["interrupted_by"].is_string()) {
      interrupted_by = s["interrupted_by"];
    }
  }
  summary["exit_code"] = exit_code;
  summary["complete"] = complete;
  summary["interrupted_by"] = interrupted_by;

  result.report = {{"schema_version", lead["schema_version"]},
                   {"tool", lead.value("tool", json::object())},
                   {"created_at", lead.value("created_at", json(nullptr))},
                   {"environment", lead.value("environment", json::object())},
                   {"warnings", warnings},
                   {"config", config},
                   {"results", merged_results},
                   {"summary", summary},
                   {"shards", records},
                   {"merge",
                    {{"tool", {{"name", "torchbench-cli"}, {"version", tool_version()}, {"git_sha", git_sha()}}},
                     {"created_at", utc_timestamp_now()},
                     {"inputs", [&] {
                        json names = json::array();
                        for (const auto& input : inputs) names.push_back(input.name);
                        return names;
                      }()}}}};

  if (!result.missing.empty()) {
    std::vector<std::string> missing;
    for (const auto index : result.missing) missing.push_back(shard_text(index, first.count));
    result.warnings.push_back(fmt::format("suite '{}': {} of {} shards merged; missing {} (their entries have no "
                                          "results; summary.complete is false)",
                                          first.suite, result.shards.size(), first.count, join(missing, ", ")));
  }
  compare_shards(records, shards, result.warnings);
  return result;
}

int merge_command(const MergeCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.output.empty()) throw UsageError("merge needs -o FILE (or -o - for stdout) for the merged report");
  if (options.output != "-") check_writable_destination(options.output);
  std::vector<MergeInput> inputs;
  for (const auto& path : options.reports) inputs.push_back({path, read_report_text(path)});
  const auto merged = merge_reports(inputs);
  for (const auto& warning : merged.warnings) err << "torchbench-cli: warning: " << printable(warning) << "\n";
  const auto text = merged.report.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  if (options.output == "-") {
    errno = 0;
    out << text << std::flush;
    if (!out) {
      throw UsageError(std::string("cannot write the merged report to standard output (") +
                       (errno ? std::strerror(errno) : "write error") + "); free space or give -o FILE");
    }
  } else {
    write_file_atomic(options.output, text);
  }
  if (!options.quiet) {
    std::vector<std::string> held;
    for (const auto index : merged.shards) held.push_back(std::to_string(index));
    err << fmt::format("merged {} report{} (shard{} {} of {}, {} results) into {}\n", inputs.size(),
                       inputs.size() == 1 ? "" : "s", held.size() == 1 ? "" : "s", join(held, ", "),
                       merged.shard_count, merged.report["results"].size(),
                       options.output == "-" ? "standard output" : printable(options.output));
  }
  err.flush();
  return static_cast<int>(ExitCode::ok);
}

}  // namespace tb::report
