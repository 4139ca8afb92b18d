// Merging shard reports (report/merge.hpp): what a merged report holds, the warnings, and
// every refusal.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "report/merge.hpp"
#include "report/report_reader.hpp"
#include "sample_reports.hpp"
#include "test_support.hpp"
#include "util/errors.hpp"

using nlohmann::json;
using tb::report::merge_reports;
using tb::report::MergeInput;

namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

// The report of shard `index`/`count` of suite "nightly" holding entries `entries` (each one
// model "m<entry>" with variants a and b).
json shard_report(std::int64_t index, std::int64_t count, const std::vector<int>& entries,
                  const std::string& host = "host") {
  json results = json::array();
  json models = json::array();
  json config_entries = json::array();
  for (const int entry : entries) {
    const auto model = "m" + std::to_string(entry);
    models.push_back(model);
    config_entries.push_back({{"index", entry}, {"model", model}, {"path", model + ".pt"}});
    for (const char* variant : {"a", "b"}) {
      auto r = tbtest::result_entry(model, variant, tbtest::latency_samples(20, 1.0 + entry, entry));
      r["rounds"] = {{"sizes", {20}}, {"positions", {0}}, {"processes", {0}}, {"group", entry}};
      results.push_back(r);
    }
  }
  auto report = tbtest::report_json(results);
  report["environment"]["hostname"] = host;
  report["created_at"] = "2026-11-25T00:0" + std::to_string(index) + ":00Z";
  report["warnings"] = json::array({"load is high"});
  report["config"] = {{"model", models.empty() ? json(nullptr) : models[0]},
                      {"models", models},
                      {"entries", config_entries},
                      {"suite",
                       {{"name", "nightly"},
                        {"digest", kDigest},
                        {"entries", 5},
                        {"shard", {{"index", index}, {"count", count}}},
                        {"overrides", json::object()}}}};
  report["summary"] = {{"ok", results.size()}, {"failed", 0},   {"skipped", 0},
                       {"gates_failed", 0},    {"exit_code", 0}, {"complete", true},
                       {"interrupted_by", nullptr}};
  return report;
}

MergeInput input(const std::string& name, const json& report) { return {name, report.dump()}; }

tb::report::MergeResult merge(const std::vector<std::pair<std::string, json>>& reports) {
  std::vector<MergeInput> inputs;
  for (const auto& [name, report] : reports) inputs.push_back(input(name, report));
  return merge_reports(inputs);
}

// The message and exit code of the error merging `reports` throws.
std::pair<std::string, int> error_of(const std::vector<std::pair<std::string, json>>& reports) {
  try {
    merge(reports);
  } catch (const tb::Error& e) {
    return {e.what(), static_cast<int>(e.code())};
  }
  return {"", 0};
}

}  // namespace

TEST_CASE("merged shards hold every entry in suite order", "[merge]") {
  // Entries 0..4 over two shards (round-robin: 0, 2, 4 and 1, 3), given in reverse order.
  const auto merged = merge({{"s2.json", shard_report(2, 2, {1, 3})}, {"s1.json", shard_report(1, 2, {0, 2, 4})}});
  CHECK(merged.shards == std::vector<std::int64_t>{1, 2});
  CHECK(merged.missing.empty());
  CHECK(merged.warnings.empty());
  const auto& r = merged.report;
  std::vector<std::int64_t> groups;
  for (const auto& result : r["results"]) groups.push_back(result["rounds"]["group"]);
  CHECK(groups == std::vector<std::int64_t>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4});
  CHECK(r["config"]["models"] == json::array({"m0", "m1", "m2", "m3", "m4"}));
  CHECK(r["config"]["entries"].size() == 5);
  CHECK(r["config"]["entries"][3]["index"] == 3);
  CHECK(r["config"]["suite"]["shard"].is_null());
  CHECK(r["config"]["suite"]["merged"] == json({{"count", 2}, {"shards", {1, 2}}, {"missing", json::array()}}));
  CHECK(r["config"]["suite"]["digest"] == kDigest);
  CHECK(r["summary"]["ok"] == 10);
  CHECK(r["summary"]["complete"] == true);
  CHECK(r["created_at"] == "2026-11-25T00:01:00Z");  // the first shard's
  REQUIRE(r["shards"].size() == 2);
  CHECK(r["shards"][0]["index"] == 1);
  CHECK(r["shards"][0]["file"] == "s1.json");
  CHECK(r["shards"][1]["environment"]["hostname"] == "host");
  CHECK(r["warnings"] == json::array({"shard 1/2: load is high", "shard 2/2: load is high"}));
  CHECK(r["merge"]["inputs"] == json::array({"s2.json", "s1.json"}));
  // What compare and report read.
  const auto parsed = tb::report::parse_report(r.dump(), "merged.json");
  CHECK(parsed.results.size() == 10);
  CHECK(parsed.results[9].round_group == 4);
}

TEST_CASE("missing shards are a warning and an incomplete report", "[merge]") {
  const auto merged = merge({{"s1.json", shard_report(1, 3, {0, 3})}, {"s3.json", shard_report(3, 3, {2})}});
  CHECK(merged.missing == std::vector<std::int64_t>{2});
  REQUIRE(merged.warnings.size() == 1);
  CHECK_THAT(merged.warnings[0], tbtest::contains("suite 'nightly': 2 of 3 shards merged; missing 2/3"));
  CHECK(merged.report["summary"]["complete"] == false);
  CHECK(merged.report["config"]["suite"]["merged"]["missing"] == json::array({2}));
}

TEST_CASE("a merged report merges again with the shards it lacks", "[merge]") {
  const auto partial = merge({{"s1.json", shard_report(1, 3, {0, 3})}}).report;
  const auto whole = merge({{"partial.json", partial}, {"s2.json", shard_report(2, 3, {1, 4})},
                            {"s3.json", shard_report(3, 3, {2})}});
  CHECK(whole.missing.empty());
  CHECK(whole.report["summary"]["complete"] == true);
  CHECK(whole.report["shards"].size() == 3);
  CHECK(whole.report["shards"][0]["file"] == "s1.json");  // the record of the original shard
  CHECK(whole.report["results"].size() == 10);
  // ...but not with a shard it already holds.
  const auto [message, code] = error_of({{"partial.json", partial}, {"again.json", shard_report(1, 3, {0, 3})}});
  CHECK(message == "cannot merge: 'partial.json' and 'again.json' both hold shard 1/3; give each shard once");
  CHECK(code == 2);
}

TEST_CASE("a run of the whole suite is shard 1 of 1", "[merge]") {
  auto whole = shard_report(1, 1, {0, 1});
  whole["config"]["suite"]["shard"] = nullptr;
  CHECK(merge({{"all.json", whole}}).shards == std::vector<std::int64_t>{1});
  CHECK(error_of({{"all.json", whole}, {"s2.json", shard_report(2, 2, {1})}}).first ==
        "cannot merge: 'all.json' is one of 1 shards and 's2.json' one of 2: the suite was cut differently; rerun "
        "the shards with one --shard I/N count");
}

TEST_CASE("shards of different machines, builds or overrides are merged with a warning", "[merge]") {
  auto other = shard_report(2, 2, {1}, "host-b");
  other["tool"]["git_sha"] = "ba9876543210";
  other["config"]["suite"]["overrides"] = {{"seed", 3}};
  const auto merged = merge({{"s1.json", shard_report(1, 2, {0})}, {"s2.json", other}});
  REQUIRE(merged.warnings.size() == 3);
  CHECK_THAT(merged.warnings[0], tbtest::contains("different environments: hostname: host vs host-b"));
  CHECK_THAT(merged.warnings[1], tbtest::contains("different torchbench-cli builds"));
  CHECK_THAT(merged.warnings[2], tbtest::contains("different command-line overrides"));
  CHECK(merged.report["shards"][1]["environment"]["hostname"] == "host-b");
}

TEST_CASE("summaries add up; the worst exit code wins", "[merge]") {
  auto failed = shard_report(2, 2, {1});
  failed["summary"]["failed"] = 1;
  failed["summary"]["exit_code"] = 4;
  auto gate = shard_report(1, 2, {0});
  gate["summary"]["exit_code"] = 1;
  gate["summary"]["gates_failed"] = 2;
  const auto s = merge({{"s1.json", gate}, {"s2.json", failed}}).report["summary"];
  CHECK(s["exit_code"] == 4);
  CHECK(s["failed"] == 1);
  CHECK(s["gates_failed"] == 2);
  CHECK(s["ok"] == 4);
}

TEST_CASE("reports that do not belong together are refused, naming the files", "[merge]") {
  const auto s1 = shard_report(1, 2, {0});
  const auto check = [&](json other, const std::string& expected, int code = 2) {
    const auto [message, got] = error_of({{"s1.json", s1}, {"x.json", other}});
    CHECK_THAT(message, tbtest::contains(expected));
    CHECK(got == code);
  };
  auto newer = shard_report(2, 2, {1});
  newer["schema_version"] = 2;
  check(newer, "'s1.json' has schema_version 1 and 'x.json' has schema_version 2");
  auto plain = shard_report(2, 2, {1});
  plain["config"].erase("suite");
  check(plain, "report 'x.json' has no suite information (config.suite)");
  plain["config"]["suite"] = nullptr;
  check(plain, "has no suite information");
  auto smoke = shard_report(2, 2, {1});
  smoke["config"]["suite"]["name"] = "smoke";
  check(smoke, "'s1.json' is suite 'nightly' and 'x.json' is suite 'smoke'");
  auto edited = shard_report(2, 2, {1});
  edited["config"]["suite"]["digest"] = "sha256:" + std::string(64, 'b');
  check(edited, "both suite 'nightly' but ran different config files (sha256:aaaaaaaaaaaa vs sha256:bbbbbbbbbbbb)");
  check(shard_report(1, 2, {1}), "'s1.json' and 'x.json' both hold shard 1/2");
  check(shard_report(2, 2, {0}), "'s1.json' and 'x.json' both hold model 'm0' variant 'a'", 3);
  auto same_group = shard_report(2, 2, {1});
  for (auto& r : same_group["results"]) r["rounds"]["group"] = 0;
  check(same_group, "both hold results of suite entry 0", 3);
  // Content that is not a valid report: the reader's message.
  check(json::object({{"schema_version", 1}}), "report 'x.json': results is missing", 3);
  auto bad_suite = shard_report(2, 2, {1});
  bad_suite["config"]["suite"]["shard"] = {{"index", 3}, {"count", 2}};
  check(bad_suite, "report 'x.json': config.suite.shard.index must be an integer from 1 to its count", 3);
  bad_suite["config"]["suite"]["name"] = 5;
  check(bad_suite, "config.suite.name must be a string", 3);
  CHECK(error_of({{"bad.json", json::parse("[1]")}}).first ==
        "report 'bad.json': is not a torchbench-cli report (the top level must be a JSON object)");
  CHECK_THAT(tbtest::usage_error_of([] { merge_reports({}); }), tbtest::contains("merge needs the shard reports"));
  std::vector<MergeInput> not_json = {{"s1.json", s1.dump()}, {"t.json", "{\"schema_version\": 1,"}};
  try {
    merge_reports(not_json);
    FAIL("no error");
  } catch (const tb::Error& e) {
    CHECK_THAT(std::string(e.what()), tbtest::contains("report 't.json': is not valid JSON"));
  }
}

TEST_CASE("merge_command writes atomically and reports the merge", "[merge]") {
  tbtest::ScratchDir dir;
  const auto write = [&](const std::string& name, const json& report) {
    const auto path = (dir.path / name).string();
    std::ofstream(path) << report.dump();
    return path;
  };
  const auto a = write("a.json", shard_report(1, 2, {0}));
  const auto b = write("b.json", shard_report(2, 2, {1}));
  std::ostringstream out, err;
  const auto output = (dir.path / "all.json").string();
  CHECK(tb::report::merge_command({{a, b}, output, false}, out, err) == 0);
  CHECK(err.str() == "merged 2 reports (shards 1, 2 of 2, 4 results) into " + output + "\n");
  CHECK(out.str().empty());
  CHECK(tb::report::read_report(output).results.size() == 4);
  // An error leaves no file.
  std::ostringstream err2;
  CHECK_THROWS_AS(tb::report::merge_command({{a, a}, (dir.path / "x.json").string(), false}, out, err2), tb::Error);
  CHECK(dir.entries() == std::vector<std::string>{"a.json", "all.json", "b.json"});
  CHECK_THAT(tbtest::usage_error_of([&] { tb::report::merge_command({{a}, "", false}, out, err2); }),
             tbtest::contains("merge needs -o FILE"));
  CHECK_THAT(tbtest::usage_error_of([&] {
               tb::report::merge_command({{a}, (dir.path / "no" / "x.json").string(), false}, out, err2);
             }),
             tbtest::contains("does not exist"));
  std::ostringstream to_stdout;
  CHECK(tb::report::merge_command({{a}, "-", true}, to_stdout, err2) == 0);
  CHECK(json::parse(to_stdout.str())["results"].size() == 2);
}
