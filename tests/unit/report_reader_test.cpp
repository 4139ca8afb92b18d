// Reading reports back: valid input, one clear error per kind of broken input, and no crash
// (only ModelError) on truncated or corrupted files.
#include <fstream>
#include <string>

#include "catch.hpp"
#include "report/report_reader.hpp"
#include "sample_reports.hpp"
#include "test_support.hpp"
#include "util/errors.hpp"
#include "util/random.hpp"

using nlohmann::json;

namespace {

json valid_report() {
  auto failed = tbtest::result_entry("m", "broken", {}, "failed");
  failed["failure_stage"] = "measure";
  auto gated = tbtest::result_entry("m", "int8", {1.5, 1.6, 1.7}, "ok", 8);
  gated["gate"] = {{"passed", false}, {"violations", {"cosine 0.98 < 0.999"}}};
  gated["accuracy"] = {{"max_abs_err", 0.01}, {"max_rel_err", nullptr}, {"cosine", 0.98}};
  return tbtest::report_json(json::array({tbtest::result_entry("m", "fp32", {1.0, 1.1, 1.2}), failed, gated}));
}

// The ModelError message parse_report gives for `report`, or "" when it is accepted.
std::string error_of(const json& report) {
  try {
    tb::report::parse_report(report.dump(), "r.json");
  } catch (const tb::ModelError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("report reader: a valid report", "[report_reader]") {
  const auto r = tb::report::parse_report(valid_report().dump(), "r.json");
  CHECK(r.name == "r.json");
  CHECK(r.schema_version == 1);
  CHECK(r.git_sha == "0123456789ab");
  CHECK(r.created_at == "2026-11-25T00:12:03Z");
  REQUIRE(r.results.size() == 3);
  CHECK(r.results[0].variant == "fp32");
  CHECK(r.results[0].samples_ms == std::vector<double>{1.0, 1.1, 1.2});
  CHECK(r.results[0].passes == std::vector<std::string>{"no-grad"});
  CHECK(r.results[0].threads == 2);
  CHECK(r.results[0].passed());
  CHECK(r.results[1].status == "failed");
  CHECK(r.results[1].error == "measure: it broke");
  CHECK(r.results[1].failure_stage == "measure");
  CHECK_FALSE(r.results[1].ok());
  CHECK(r.results[2].batch == 8);
  CHECK(r.results[2].ok());
  CHECK_FALSE(r.results[2].passed());
  CHECK(r.results[2].gate.violations == std::vector<std::string>{"cosine 0.98 < 0.999"});
  REQUIRE(r.results[2].accuracy);
  CHECK(r.results[2].accuracy->cosine == 0.98);
  CHECK_FALSE(r.results[2].accuracy->max_rel_err);
  CHECK(tb::report::environment_field(r, "/cpu/model") == "Test CPU");
  CHECK(tb::report::environment_field(r, "/libtorch/default_threads") == "2");
  CHECK(tb::report::environment_field(r, "/gpus") == "");
  CHECK(tb::report::environment_field(r, "/cpu/model/deeper") == "");
  CHECK(tb::report::environment_field(r, "no-leading-slash") == "");
}

TEST_CASE("report reader: a report without gates (older) counts as passed", "[report_reader]") {
  auto report = valid_report();
  report["results"][2].erase("gate");
  CHECK(tbtest::parsed(report).results[2].passed());
}

TEST_CASE("report reader: each kind of broken report gets one clear error", "[report_reader]") {
  using tbtest::contains;
  CHECK_THAT(error_of(json::array()), contains("top level must be a JSON object"));
  CHECK_THAT(error_of(json::object()), contains("no schema_version"));
  auto r = valid_report();
  r["schema_version"] = 2;
  CHECK_THAT(error_of(r), contains("schema_version 2; this torchbench-cli reads schema_version 1"));
  r["schema_version"] = "1";
  CHECK_THAT(error_of(r), contains("schema_version must be an integer"));
  r = valid_report();
  r.erase("results");
  CHECK_THAT(error_of(r), contains("results is missing"));
  r = valid_report();
  r["results"] = json::object();
  CHECK_THAT(error_of(r), contains("results must be an array, got an object"));
  r = valid_report();
  r["results"][0]["samples_ms"][1] = "fast";
  CHECK_THAT(error_of(r), contains("results[0].samples_ms[1] must be a finite number >= 0, got \"fast\""));
  r["results"][0]["samples_ms"][1] = -1.0;
  CHECK_THAT(error_of(r), contains("results[0].samples_ms[1]"));
  r = valid_report();
  r["results"][0]["samples_ms"] = 3;
  CHECK_THAT(error_of(r), contains("results[0].samples_ms must be an array"));
  r = valid_report();
  r["results"][0].erase("samples_ms");
  CHECK_THAT(error_of(r), contains("results[0] has status \"ok\" but no samples_ms"));
  r = valid_report();
  r["results"][1]["status"] = "crashed";
  CHECK_THAT(error_of(r), contains("results[1].status must be \"ok\", \"failed\" or \"skipped\""));
  r = valid_report();
  r["results"][0].erase("model");
  CHECK_THAT(error_of(r), contains("results[0].model is missing"));
  r = valid_report();
  r["results"][0]["variant"] = 7;
  CHECK_THAT(error_of(r), contains("results[0].variant must be a string, got 7"));
  r = valid_report();
  r["results"][0]["batch"] = 0;
  CHECK_THAT(error_of(r), contains("results[0].batch must be between 1 and"));
  r["results"][0]["batch"] = 18446744073709551615ULL;
  CHECK_THAT(error_of(r), contains("results[0].batch must be between 1 and"));
  r["results"][0]["batch"] = 2.5;
  CHECK_THAT(error_of(r), contains("results[0].batch must be an integer"));
  r = valid_report();
  r["results"][2]["gate"] = {{"violations", json::array()}};
  CHECK_THAT(error_of(r), contains("results[2].gate.passed must be true or false"));
  r = valid_report();
  r["results"][2]["accuracy"]["cosine"] = "high";
  CHECK_THAT(error_of(r), contains("results[2].accuracy.cosine must be a number or null"));
  r = valid_report();
  r["results"][1]["variant"] = "fp32";
  CHECK_THAT(error_of(r), contains("results[1] repeats model 'm' variant 'fp32'"));
  r = valid_report();
  r["results"][0]["variant"] = std::string(5000, 'v');
  CHECK_THAT(error_of(r), contains("results[0].variant is longer than 4096 bytes"));
  r = valid_report();
  r["environment"] = "linux";
  CHECK_THAT(error_of(r), contains("environment must be an object"));
  // Every message names the file.
  CHECK_THAT(error_of(r), contains("report 'r.json': "));
}

TEST_CASE("report reader: rounds and the samples of each process", "[report_reader]") {
  using tbtest::contains;
  auto r = valid_report();
  auto& entry = r["results"][0];
  entry["samples_ms"] = {1.0, 1.1, 2.0, 2.1, 2.2, 1.2};
  entry["rounds"] = {{"sizes", {2, 3, 1}}, {"positions", {0, 1, 0}}, {"processes", {0, 1, 0}}};
  auto read = tb::report::parse_report(r.dump(), "r.json");
  const auto& result = read.results[0];
  CHECK(result.round_sizes == std::vector<std::int64_t>{2, 3, 1});
  CHECK(result.round_processes == std::vector<std::int64_t>{0, 1, 0});
  const auto groups = tb::report::samples_by_process(result);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0] == std::vector<double>{1.0, 1.1, 1.2});
  CHECK(groups[1] == std::vector<double>{2.0, 2.1, 2.2});

  // Without processes (older reports, or a report written with one): one group.
  entry["rounds"].erase("processes");
  read = tb::report::parse_report(r.dump(), "r.json");
  CHECK(tb::report::samples_by_process(read.results[0]).size() == 1);
  entry.erase("rounds");
  read = tb::report::parse_report(r.dump(), "r.json");
  CHECK(tb::report::samples_by_process(read.results[0]) ==
        std::vector<std::vector<double>>{{1.0, 1.1, 2.0, 2.1, 2.2, 1.2}});

  // A failed variant keeps its rounds but not its samples: one (empty) group.
  auto failed = r;
  failed["results"][0]["status"] = "failed";
  failed["results"][0].erase("samples_ms");
  failed["results"][0]["rounds"] = {{"sizes", {2, 3, 1}}, {"processes", {0, 1, 0}}};
  read = tb::report::parse_report(failed.dump(), "r.json");
  CHECK(tb::report::samples_by_process(read.results[0]) == std::vector<std::vector<double>>{{}});

  entry["rounds"] = {{"sizes", {2, 3}}, {"processes", {0, 1}}};
  CHECK_THAT(error_of(r), contains("results[0].rounds.sizes add up to 5 samples but samples_ms has 6"));
  entry["rounds"] = {{"sizes", {2, 3, 1}}, {"processes", {0, 1}}};
  CHECK_THAT(error_of(r), contains("results[0].rounds.processes has 2 entries for 3 rounds"));
  entry["rounds"] = {{"sizes", {2, 3, 1}}, {"processes", {0, 1, -1}}};
  CHECK_THAT(error_of(r), contains("results[0].rounds.processes[2] must be between 0 and 999"));
  entry["rounds"] = {{"sizes", {2, 3, 1}}, {"processes", {0, 1, 5000000}}};
  CHECK_THAT(error_of(r), contains("must be between 0 and 999"));
  entry["rounds"] = {{"sizes", "all"}};
  CHECK_THAT(error_of(r), contains("results[0].rounds.sizes must be an array of integers"));
  entry["rounds"] = 3;
  CHECK_THAT(error_of(r), contains("results[0].rounds must be an object or null"));
}

TEST_CASE("report reader: malformed JSON, deep nesting, huge numbers", "[report_reader]") {
  const auto message = [](const std::string& text) {
    try {
      tb::report::parse_report(text, "x.json");
    } catch (const tb::ModelError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(message(""), tbtest::contains("is not valid JSON"));
  CHECK_THAT(message("{\"schema_version\": 1, \"results\": ["), tbtest::contains("is not valid JSON: parse error"));
  CHECK_THAT(message(std::string(100000, '[')), tbtest::contains("nests deeper than 64 levels"));
  CHECK_THAT(message(R"({"schema_version": 1, "results": [{"model": "m", "variant": "v", "status": "ok",
                          "samples_ms": [1e999]}]})"),
             tbtest::contains("is not valid JSON: number overflow"));
  CHECK_THAT(message("{\"schema_version\": 1, \"results\": [], \"x\": \"\xff\"}"),
             tbtest::contains("is not valid JSON"));
}

TEST_CASE("report reader: corrupted files never crash", "[report_reader]") {
  const auto text = valid_report().dump();
  tb::Xoshiro256 rng(99);
  int accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string mutated = text;
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng.open01() * static_cast<double>(n)); };
    switch (trial % 3) {
      case 0: mutated.resize(pick(text.size())); break;  // truncated
      case 1: mutated[pick(mutated.size())] = static_cast<char>(pick(256)); break;  // one byte changed
      case 2: mutated.erase(pick(mutated.size()), 1 + pick(20)); break;  // a few bytes gone
    }
    try {
      tb::report::parse_report(mutated, "fuzz.json");
      ++accepted;
    } catch (const tb::ModelError&) {
      // the expected outcome for most inputs
    }
  }
  CHECK(accepted < 3000);
}

TEST_CASE("report reader: files", "[report_reader]") {
  tbtest::ScratchDir dir;
  const auto missing = dir.path / "missing.json";
  CHECK_THAT(tbtest::usage_error_of([&] { tb::report::read_report(missing); }), tbtest::contains("does not exist"));
  CHECK_THAT(tbtest::usage_error_of([&] { tb::report::read_report(dir.path); }), tbtest::contains("is a directory"));
  const auto good = dir.path / "good.json";
  std::ofstream(good) << valid_report().dump();
  CHECK(tb::report::read_report(good).results.size() == 3);
  CHECK(tb::report::read_report(good).name == good.string());
}
