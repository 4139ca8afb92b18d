// `report --format`: the shape of every export, checked by parsing it back where the format
// is JSON, and by its structure for XML, CSV and Markdown.
#include <sstream>
#include <string>

#include "catch.hpp"
#include "export/command.hpp"
#include "export/export.hpp"
#include "sample_reports.hpp"
#include "test_support.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"

using Catch::Matchers::WithinRel;
using nlohmann::json;
using tbtest::contains;

namespace {

// ok, failed, gate broken, a name that needs escaping everywhere.
tb::report::ReportFile sample_report() {
  auto gated = tbtest::result_entry("m", "int8", tbtest::latency_samples(40, 1.0, 2), "ok", 4);
  gated["gate"] = {{"passed", false}, {"violations", {"cosine 0.98 < 0.999", "max_abs_err 0.2 > 0.01"}}};
  gated["accuracy"] = {{"max_abs_err", 0.2}, {"max_rel_err", 0.1}, {"cosine", 0.98}};
  return tbtest::parsed(tbtest::report_json(json::array({
      tbtest::result_entry("m", "fp32", tbtest::latency_samples(100, 2.0, 1)),
      tbtest::result_entry("m", "broken", {}, "failed"),
      gated,
      tbtest::result_entry("other \"model\"", "a,b<c>&'d'", {1.0, 2.0, 3.0}),
  })));
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("export rows", "[export]") {
  const auto report = sample_report();
  const auto rows = tb::exports::rows_of(report);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].name == "m/fp32");
  CHECK(rows[0].passed());
  CHECK(rows[0].failure().empty());
  CHECK(rows[0].median_ci.low <= rows[0].stats.median);
  CHECK(rows[0].median_ci.high >= rows[0].stats.median);
  CHECK(rows[1].failure() == "failed: measure: it broke");
  CHECK(rows[2].failure() == "accuracy gate: cosine 0.98 < 0.999; max_abs_err 0.2 > 0.01");
  CHECK_THAT(rows[3].throughput_per_s, WithinRel(3 * 1000.0 / 6.0, 1e-12));
}

TEST_CASE("export gbench: google/benchmark JSON", "[export]") {
  const auto j = json::parse(tb::exports::export_report(sample_report(), "gbench"));
  CHECK(j["context"]["json_schema_version"] == 1);
  CHECK(j["context"]["host_name"] == "host");
  CHECK(j["context"]["num_cpus"] == 2);
  std::map<std::string, int> iterations_runs;
  for (const auto& b : j["benchmarks"]) {
    for (const char* key : {"name", "run_name", "run_type", "repetitions", "threads", "iterations", "real_time",
                            "cpu_time", "time_unit"}) {
      INFO(b.dump() << " lacks " << key);
      CHECK(b.contains(key));
    }
    CHECK(b["time_unit"] == "us");
    if (b["run_type"] == "iteration") {
      ++iterations_runs[b["name"]];
      CHECK(b.contains("repetition_index"));
    } else {
      CHECK(b["run_type"] == "aggregate");
      CHECK(b["name"] == b["run_name"].get<std::string>() + "_" + b["aggregate_name"].get<std::string>());
    }
  }
  CHECK(iterations_runs["m/fp32"] == 10);  // 100 samples in 10 repetitions
  CHECK(iterations_runs["m/broken"] == 1);
  CHECK(iterations_runs["m/int8"] == 10);
  CHECK(iterations_runs["other \"model\"/a,b<c>&'d'"] == 3);  // fewer samples than repetitions
  const auto& first = j["benchmarks"][0];
  CHECK(first["iterations"] == 10);
  CHECK(first["repetitions"] == 10);
  CHECK(first["real_time"].get<double>() > 1000);  // about 2 ms in microseconds
  bool error_seen = false;
  for (const auto& b : j["benchmarks"]) {
    if (b["name"] == "m/broken") {
      error_seen = true;
      CHECK(b["error_occurred"] == true);
      CHECK(b["error_message"] == "failed: measure: it broke");
    }
  }
  CHECK(error_seen);
}

TEST_CASE("export github-action: customSmallerIsBetter", "[export]") {
  const auto j = json::parse(tb::exports::export_report(sample_report(), "github-action"));
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 3);  // the failed variant has no value
  for (const auto& e : j) {
    CHECK(e["unit"] == "ms");
    CHECK(e["value"].is_number());
    CHECK(e["range"].get<std::string>().starts_with("± "));
    CHECK(e["extra"].is_string());
  }
  CHECK(j[0]["name"] == "m/fp32");
  CHECK_THAT(j[1]["extra"].get<std::string>(), contains("accuracy gate: cosine 0.98"));
}

TEST_CASE("export bmf: Bencher Metric Format", "[export]") {
  const auto report = sample_report();
  const auto j = json::parse(tb::exports::export_report(report, "bmf"));
  REQUIRE(j.size() == 3);
  const auto& latency = j["m/fp32"]["latency"];
  const auto rows = tb::exports::rows_of(report);
  CHECK_THAT(latency["value"].get<double>(), WithinRel(rows[0].stats.median * 1e6, 1e-12));  // nanoseconds
  CHECK(latency["lower_value"].get<double>() <= latency["value"].get<double>());
  CHECK(latency["upper_value"].get<double>() >= latency["value"].get<double>());
  CHECK(j["m/fp32"]["throughput"]["value"].get<double>() > 0);
  CHECK_FALSE(j.contains("m/broken"));
}

TEST_CASE("export junit: failing test cases and escaping", "[export]") {
  const auto xml = tb::exports::export_report(sample_report(), "junit");
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
  CHECK_THAT(xml, contains("<testsuites name=\"torchbench-cli\" tests=\"4\" failures=\"2\""));
  CHECK(count(xml, "<testsuite ") == 2);
  CHECK(count(xml, "<testcase ") == 4);
  CHECK(count(xml, "<failure ") == 2);
  CHECK_THAT(xml, contains("type=\"failed\""));
  CHECK_THAT(xml, contains("type=\"accuracy-gate\""));
  CHECK_THAT(xml, contains("name=\"a,b&lt;c&gt;&amp;&apos;d&apos;\" classname=\"other &quot;model&quot;\""));
  CHECK(xml.find("<c>") == std::string::npos);
}

TEST_CASE("export csv: RFC 4180", "[export]") {
  const auto csv = tb::exports::export_report(sample_report(), "csv");
  CHECK(count(csv, "\r\n") == 5);  // header + 4 rows, CRLF
  CHECK(csv.starts_with("model,variant,status,batch,iterations,median_ms,"));
  CHECK_THAT(csv, contains("\r\n\"other \"\"model\"\"\",\"a,b<c>&'d'\",ok,1,3,2,"));
  CHECK_THAT(csv, contains("\r\nm,broken,failed,1,0,,,,,,,,,,,,,,,,,true,,measure: it broke\r\n"));
  CHECK_THAT(csv, contains(",0.2,0.1,0.98,false,cosine 0.98 < 0.999; max_abs_err 0.2 > 0.01,\r\n"));
}

TEST_CASE("export markdown", "[export]") {
  const auto md = tb::exports::export_report(sample_report(), "markdown");
  CHECK_THAT(md, contains("| model | variant | median ms |"));
  CHECK_THAT(md, contains("| m | broken | - |"));
  CHECK_THAT(md, contains("**failed**"));
  CHECK_THAT(md, contains("**gate failed**"));
  CHECK_THAT(md, contains("a,b&lt;c&gt;&amp;'d'"));
}

TEST_CASE("report command: formats, destinations", "[export]") {
  tbtest::ScratchDir dir;
  const auto input = dir.path / "run.json";
  tb::write_file_atomic(input, tbtest::report_json(json::array({tbtest::result_entry("m", "v", {1.0, 2.0})})).dump());
  tb::exports::ReportCommandOptions o;
  o.report = input.string();
  o.format = "csv";
  std::ostringstream out;
  CHECK(tb::exports::report_command(o, out) == 0);
  CHECK_THAT(out.str(), contains("m,v,ok,1,2,1.5,"));

  o.output = (dir.path / "out.xml").string();
  o.format = "junit";
  std::ostringstream unused;
  CHECK(tb::exports::report_command(o, unused) == 0);
  CHECK(unused.str().empty());
  CHECK_THAT(tb::read_file(o.output), contains("<testsuites"));
  CHECK(dir.entries() == std::vector<std::string>{"out.xml", "run.json"});  // no temporary left

  o.format = "junt";
  CHECK_THAT(tbtest::usage_error_of([&] { tb::exports::report_command(o, unused); }),
             contains("--format 'junt': unknown format (did you mean 'junit'?)"));
  o.format = "csv";
  o.output = (dir.path / "missing" / "out.csv").string();
  CHECK_THAT(tbtest::usage_error_of([&] { tb::exports::report_command(o, unused); }), contains("does not exist"));
}
