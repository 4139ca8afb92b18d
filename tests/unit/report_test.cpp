// The JSON report (report/report.hpp) and the terminal table (report/table.hpp), built from
// hand-made worker results with known samples.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "report/environment.hpp"
#include "report/report.hpp"
#include "report/table.hpp"
#include "util/version.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using tb::report::VariantOutcome;

namespace {

VariantOutcome ok_outcome(const std::string& variant_text, std::vector<double> samples, std::int64_t batch,
                          bool baseline) {
  VariantOutcome o;
  o.model = "builtin:mlp";
  o.variant = tb::parse_variant(variant_text);
  o.is_baseline = baseline;
  o.status = "ok";
  o.worker_outcome = "exit code 0";
  o.worker_wall_seconds = 2.5;
  o.worker_max_rss_bytes = 1 << 20;
  tb::WorkerResult r;
  r.inputs = {tb::parse_input_spec(std::to_string(batch) + "x256:float32")};
  r.batch = batch;
  r.timer = "steady_clock";
  r.samples_ms = std::move(samples);
  r.threads = 4;
  r.interop_threads = 1;
  r.output_shapes = {{batch, 10}};
  o.result = r;
  return o;
}

VariantOutcome failed_outcome() {
  VariantOutcome o;
  o.model = "builtin:mlp";
  o.variant = tb::parse_variant("broken=freeze");
  o.status = "failed";
  o.error = "worker killed by signal 11 (SIGSEGV)";
  o.worker_outcome = "killed by signal 11 (SIGSEGV)";
  return o;
}

tb::report::RunConfig config_for(const std::vector<VariantOutcome>& outcomes) {
  tb::report::RunConfig c;
  c.models = {"builtin:mlp"};
  c.inputs = {"1x256:float32"};
  for (const auto& o : outcomes) c.variants.push_back(o.variant);
  c.baseline = "base";
  c.device = "cpu";
  c.seed = 42;
  c.variant_timeout_seconds = 60.0;
  return c;
}

}  // namespace

TEST_CASE("throughput_per_s is batch * iterations / measured time", "[report]") {
  tb::WorkerResult r;
  r.batch = 8;
  r.samples_ms = {2.0, 4.0, 6.0};  // 12 ms for 3 iterations of 8 items
  CHECK_THAT(tb::report::throughput_per_s(r), WithinRel(2000.0, 1e-12));
  r.batch = 1;
  r.samples_ms = {0.5};
  CHECK_THAT(tb::report::throughput_per_s(r), WithinRel(2000.0, 1e-12));
  r.samples_ms.clear();
  CHECK(tb::report::throughput_per_s(r) == 0.0);
}

TEST_CASE("speedup is per item (batch-normalised medians)", "[report]") {
  const auto base = ok_outcome("base=", {10.0, 12.0, 9.0}, 1, true);     // median 10 ms / item
  const auto big = ok_outcome("big=batch=8", {40.0, 41.0, 39.0}, 8, false);  // median 40 / 8 = 5 ms / item
  const auto slow = ok_outcome("slow=", {20.0, 20.0, 20.0}, 1, false);
  REQUIRE(tb::report::speedup(big, base).has_value());
  CHECK_THAT(*tb::report::speedup(big, base), WithinRel(2.0, 1e-12));
  CHECK_THAT(*tb::report::speedup(slow, base), WithinRel(0.5, 1e-12));
  CHECK_THAT(*tb::report::speedup(base, base), WithinRel(1.0, 1e-12));
  SECTION("no samples, no speedup") {
    auto empty = slow;
    empty.result->samples_ms.clear();
    CHECK_FALSE(tb::report::speedup(empty, base).has_value());
    CHECK_FALSE(tb::report::speedup(base, empty).has_value());
    CHECK_FALSE(tb::report::speedup(failed_outcome(), base).has_value());
  }
}

TEST_CASE("build_report has the documented top-level structure", "[report]") {
  auto base = ok_outcome("base=", {10.0, 12.0, 9.0, 11.0}, 1, true);
  auto fast = ok_outcome("fast=freeze,batch=4", {20.0, 24.0, 22.0, 22.0}, 4, false);
  tb::AccuracyStats acc;
  acc.count = 40;
  acc.max_abs_err = 1e-6;
  acc.max_rel_err = 3e-5;
  acc.cosine = 0.99999;
  fast.result->accuracy = acc;
  fast.result->accuracy_note = "batch sizes differ: compared the rows both runs share";
  fast.result->pass_notes = {"int8-dynamic: 3 Linear layers to int8 per-tensor (engine x86)"};
  const std::vector<VariantOutcome> outcomes = {base, fast, failed_outcome()};
  const nlohmann::json environment = {{"hostname", "test-host"}, {"libtorch", {{"version", "2.13.0"}}}};
  const auto report = tb::report::build_report(config_for(outcomes), environment, outcomes, 4);

  CHECK(report.at("schema_version") == tb::report::kSchemaVersion);
  CHECK(report.at("schema_version") == 1);
  CHECK(report.at("tool").at("name") == "torchbench-cli");
  CHECK(report.at("tool").at("version") == std::string(tb::tool_version()));
  CHECK(report.at("tool").at("git_sha") == std::string(tb::git_sha()));
  const auto created = report.at("created_at").get<std::string>();
  CHECK(created.size() == 20);
  CHECK(created.back() == 'Z');
  CHECK(report.at("environment") == environment);

  SECTION("config") {
    const auto& c = report.at("config");
    CHECK(c.at("model") == "builtin:mlp");
    CHECK(c.at("inputs") == nlohmann::json::array({"1x256:float32"}));
    CHECK(c.at("baseline") == "base");
    CHECK(c.at("device") == "cpu");
    CHECK(c.at("seed") == 42);
    CHECK(c.at("variant_timeout_seconds") == 60.0);
    REQUIRE(c.at("variants").size() == 3);
    CHECK(c.at("variants")[1].at("name") == "fast");
    CHECK(c.at("variants")[1].at("passes") == "freeze,batch=4");
    CHECK(c.at("timing").at("min_iters") == tb::TimingOptions{}.min_iters);
    CHECK(c.at("timing").at("max_seconds") == tb::TimingOptions{}.max_seconds);
  }

  SECTION("summary counts statuses and carries the exit code") {
    const auto& s = report.at("summary");
    CHECK(s.at("ok") == 2);
    CHECK(s.at("failed") == 1);
    CHECK(s.at("skipped") == 0);
    CHECK(s.at("exit_code") == 4);
  }

  SECTION("an ok result has the contract fields") {
    REQUIRE(report.at("results").size() == 3);
    const auto& r = report.at("results")[1];
    CHECK(r.at("model") == "builtin:mlp");
    CHECK(r.at("variant") == "fast");
    CHECK(r.at("passes") == nlohmann::json::array({"freeze", "batch=4"}));
    CHECK(r.at("baseline") == false);
    CHECK(r.at("status") == "ok");
    CHECK(r.at("error").is_null());
    CHECK(r.at("batch") == 4);
    CHECK(r.at("iterations") == 4);
    CHECK(r.at("samples_ms") == nlohmann::json::array({20.0, 24.0, 22.0, 22.0}));
    const auto& stats = r.at("stats");
    for (const char* key : {"min_ms", "median_ms", "mean_ms", "stddev_ms", "cv", "p90_ms", "p95_ms", "p99_ms",
                            "max_ms"}) {
      INFO(key);
      CHECK(stats.contains(key));
      CHECK(stats.at(key).is_number());
    }
    CHECK(stats.at("min_ms") == 20.0);
    CHECK(stats.at("max_ms") == 24.0);
    CHECK_THAT(stats.at("median_ms").get<double>(), WithinAbs(22.0, 1e-12));
    CHECK_THAT(stats.at("mean_ms").get<double>(), WithinAbs(22.0, 1e-12));
    CHECK_THAT(stats.at("stddev_ms").get<double>(), WithinRel(std::sqrt(8.0 / 3.0), 1e-12));
    CHECK_THAT(stats.at("p90_ms").get<double>(), WithinAbs(23.4, 1e-9));  // sorted 20,22,22,24; pos 2.7
    // 4 items per 88 ms over 4 iterations.
    CHECK_THAT(r.at("throughput_per_s").get<double>(), WithinRel(4.0 * 4 * 1000.0 / 88.0, 1e-12));
    // Base median 10.5 ms per item; fast 22 / 4 = 5.5 ms per item.
    CHECK_THAT(r.at("speedup_vs_baseline").get<double>(), WithinRel(10.5 / 5.5, 1e-12));
    const auto& a = r.at("accuracy");
    CHECK(a.at("max_abs_err") == 1e-6);
    CHECK(a.at("max_rel_err") == 3e-5);
    CHECK(a.at("cosine") == 0.99999);
    CHECK(r.at("accuracy_note") == "batch sizes differ: compared the rows both runs share");
    CHECK(r.at("pass_notes") == nlohmann::json::array({"int8-dynamic: 3 Linear layers to int8 per-tensor (engine x86)"}));
    CHECK(r.at("output_shapes") == nlohmann::json::array({nlohmann::json::array({4, 10})}));
    CHECK(r.at("worker").at("outcome") == "exit code 0");
    CHECK_FALSE(r.contains("failure_stage"));
    CHECK_FALSE(r.contains("host_samples_ms"));  // CPU runs have none
  }

  SECTION("the baseline is marked and has speedup 1 and no accuracy") {
    const auto& r = report.at("results")[0];
    CHECK(r.at("baseline") == true);
    CHECK(r.at("passes") == nlohmann::json::array());
    CHECK_THAT(r.at("speedup_vs_baseline").get<double>(), WithinRel(1.0, 1e-12));
    CHECK(r.at("accuracy").is_null());
    CHECK(r.at("pass_notes") == nlohmann::json::array());
  }

  SECTION("a failed outcome has status failed and the error") {
    const auto& r = report.at("results")[2];
    CHECK(r.at("variant") == "broken");
    CHECK(r.at("status") == "failed");
    CHECK(r.at("error") == "worker killed by signal 11 (SIGSEGV)");
    CHECK(r.at("worker").at("outcome") == "killed by signal 11 (SIGSEGV)");
    CHECK_FALSE(r.contains("stats"));
  }
}

TEST_CASE("a failed worker result reports its stage", "[report]") {
  VariantOutcome o = failed_outcome();
  o.error = "first run failed: shape mismatch";
  tb::WorkerResult r;
  r.failure = tb::FailureStage::first_run;
  r.error = o.error;
  o.result = r;
  const auto j = tb::report::result_json(o, nullptr, tb::TimingOptions{});
  CHECK(j.at("status") == "failed");
  CHECK(j.at("error") == "first run failed: shape mismatch");
  CHECK(j.at("failure_stage") == "first_run");
  CHECK(j.at("samples_ms") == nlohmann::json::array());
  CHECK(j.at("speedup_vs_baseline").is_null());
  CHECK(j.at("throughput_per_s").is_null());
  CHECK(j.at("stats").is_null());
}

TEST_CASE("host samples appear when the worker kept them", "[report]") {
  auto o = ok_outcome("gpu=", {1.0, 2.0, 3.0}, 1, true);
  o.result->timer = "device_event";
  o.result->host_samples_ms = {1.5, 2.5, 3.5};
  const auto j = tb::report::result_json(o, &o, tb::TimingOptions{});
  CHECK(j.at("host_samples_ms") == nlohmann::json::array({1.5, 2.5, 3.5}));
  CHECK_THAT(j.at("host_stats").at("median_ms").get<double>(), WithinAbs(2.5, 1e-12));
  CHECK_THAT(j.at("stats").at("median_ms").get<double>(), WithinAbs(2.0, 1e-12));
}

TEST_CASE("non-finite accuracy is null in the report", "[report]") {
  auto o = ok_outcome("v=", {1.0}, 1, false);
  tb::AccuracyStats acc;
  acc.non_finite = true;
  acc.max_abs_err = acc.max_rel_err = std::numeric_limits<double>::infinity();
  acc.cosine = std::numeric_limits<double>::quiet_NaN();
  o.result->accuracy = acc;
  const auto j = tb::report::result_json(o, nullptr, tb::TimingOptions{});
  CHECK(j.at("accuracy").at("max_abs_err").is_null());
  CHECK(j.at("accuracy").at("cosine").is_null());
  CHECK(j.at("accuracy").at("non_finite") == true);
  // The whole result must serialise (JSON has no NaN).
  CHECK_NOTHROW(j.dump());
}

namespace {

// Timing whose minimum iteration count the three-sample outcomes above satisfy.
tb::TimingOptions quick_timing() {
  tb::TimingOptions t;
  t.min_iters = 3;
  return t;
}

}  // namespace

TEST_CASE("measurement warnings name the threshold they crossed", "[report]") {
  tb::WorkerResult r;
  tb::TimingOptions timing;
  timing.min_iters = 4;
  SECTION("a steady measurement has none") {
    r.samples_ms = {10.0, 10.1, 9.9, 10.0};
    CHECK(tb::report::measurement_warnings(r, timing).empty());
  }
  SECTION("cv above 10% is noisy") {
    r.samples_ms = {10.0, 14.0, 6.0, 10.0};  // cv = 0.327
    const auto warnings = tb::report::measurement_warnings(r, timing);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], tbtest::contains("noisy: cv 32.7% is above 10%"));
  }
  SECTION("fewer iterations than --min-iters") {
    r.samples_ms = {10.0, 10.0};
    const auto warnings = tb::report::measurement_warnings(r, timing);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], tbtest::contains("only 2 iterations"));
  }
  SECTION("no samples, no warnings") {
    CHECK(tb::report::measurement_warnings(r, timing).empty());
  }
  SECTION("a median within 10x of the timer's cost is too short to time") {
    r.samples_ms = {0.010, 0.010, 0.010, 0.010};
    r.timer_overhead_ms = 0.002;
    const auto warnings = tb::report::measurement_warnings(r, timing);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], tbtest::contains("too short to time"));
    r.timer_overhead_ms = 0.0009;
    CHECK(tb::report::measurement_warnings(r, timing).empty());
  }
  SECTION("drift between the first and the last round") {
    r.samples_ms = {10.0, 10.0, 10.2, 10.2, 10.9, 10.9};
    r.round_sizes = {2, 2, 2};
    const auto warnings = tb::report::measurement_warnings(r, timing);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], tbtest::contains("drift: the last round's median is +9.0%"));
    r.samples_ms = {10.0, 10.0, 10.2, 10.2, 10.4, 10.4};  // +4%: under the 5% threshold
    CHECK(tb::report::measurement_warnings(r, timing).empty());
  }
  SECTION("a target precision not reached") {
    r.samples_ms = {10.0, 14.0, 6.0, 10.0, 11.0, 9.0};
    tb::ScheduleOptions schedule;
    schedule.target_precision = 0.001;
    const auto warnings = tb::report::measurement_warnings(r, timing, schedule);
    CHECK(std::any_of(warnings.begin(), warnings.end(),
                      [](const std::string& w) { return w.find("target ±0.10%") != std::string::npos; }));
  }
}

TEST_CASE("a gate's verdict is in the result and the summary", "[report]") {
  auto base = ok_outcome("fp32=", {1.0, 1.0, 1.0}, 1, true);
  auto good = ok_outcome("good=", {1.0, 1.0, 1.0}, 1, false);
  auto bad = ok_outcome("bad=", {1.0, 1.0, 1.0}, 1, false);
  tb::AccuracyGate gate;
  gate.min_cosine = 0.99;
  good.gate = tb::GateResult{gate, {}};
  bad.gate = tb::GateResult{gate, {"cosine 0.5 < 0.99"}};
  const std::vector<VariantOutcome> outcomes = {base, good, bad};
  auto config = config_for(outcomes);
  config.gates = {tb::parse_gate_rule(tb::GateMetric::min_cosine, "0.99")};
  const auto report = tb::report::build_report(config, nlohmann::json::object(), outcomes, 1);
  CHECK(report["results"][0]["gate"].is_null());
  CHECK(report["results"][1]["gate"]["passed"] == true);
  CHECK(report["results"][2]["gate"]["passed"] == false);
  CHECK(report["results"][2]["gate"]["violations"][0] == "cosine 0.5 < 0.99");
  CHECK(report["results"][2]["gate"]["limits"]["min_cosine"] == 0.99);
  CHECK(report["results"][2]["gate"]["limits"]["max_abs_err"].is_null());
  CHECK(report["summary"]["gates_failed"] == 1);
  CHECK(report["config"]["gates"][0]["option"] == "--min-cosine");
  CHECK(report["config"]["gates"][0]["variant"].is_null());
  const auto table = tb::report::render_table(outcomes, tb::TimingOptions{});
  CHECK_THAT(table, tbtest::contains("GATE FAILED"));
  CHECK_THAT(table, tbtest::contains("bad: gate: cosine 0.5 < 0.99"));
}

TEST_CASE("a failed variant shows no numbers, even with partial samples", "[report]") {
  auto base = ok_outcome("base=", {10.0, 10.0, 10.0}, 1, true);
  auto broken = ok_outcome("late=", {5.0, 5.0, 5.0}, 1, false);
  broken.status = "failed";
  broken.error = "accuracy: the model returned a String";
  const auto table = tb::report::render_table({base, broken}, quick_timing());
  INFO(table);
  CHECK_THAT(table, !tbtest::contains("2.00x"));
  CHECK_THAT(table, !tbtest::contains("5.00"));
  const auto j = tb::report::result_json(broken, &base, quick_timing());
  CHECK(j.at("speedup_vs_baseline").is_null());
  CHECK(j.at("samples_ms").size() == 3);  // raw samples are kept
}

TEST_CASE("render_table", "[report]") {
  auto base = ok_outcome("base=", {10.0, 10.0, 10.0}, 1, true);
  auto fast = ok_outcome("fast=batch=8", {40.0, 40.0, 40.0}, 8, false);
  tb::AccuracyStats acc;
  acc.count = 10;
  acc.max_abs_err = 0.5;
  acc.cosine = 0.875;
  fast.result->accuracy = acc;
  fast.result->accuracy_note = "batch sizes differ: compared the rows both runs share";
  fast.result->pass_notes = {"int8-dynamic: 3 Linear layers to int8 per-tensor (engine x86)"};
  const std::vector<VariantOutcome> outcomes = {base, fast, failed_outcome()};
  const auto table = tb::report::render_table(outcomes, quick_timing());
  INFO(table);
  // Header.
  CHECK_THAT(table, tbtest::contains("variant"));
  CHECK_THAT(table, tbtest::contains("median ms"));
  CHECK_THAT(table, tbtest::contains("status"));
  // Every variant and status; the baseline is marked.
  CHECK_THAT(table, tbtest::contains("base *"));
  CHECK_THAT(table, tbtest::contains("fast"));
  CHECK_THAT(table, tbtest::contains("broken"));
  CHECK_THAT(table, tbtest::contains("failed"));
  CHECK_THAT(table, tbtest::contains("ok"));
  CHECK_THAT(table, tbtest::contains("* baseline"));
  // Known numbers: speedup 2x per item, accuracy columns, throughput 200 items/s.
  CHECK_THAT(table, tbtest::contains("2.00x"));
  CHECK_THAT(table, tbtest::contains("1.00x"));
  CHECK_THAT(table, tbtest::contains("0.875000"));
  CHECK_THAT(table, tbtest::contains("0.50"));
  CHECK_THAT(table, tbtest::contains("200.0"));
  // The failed variant's error and the accuracy note follow the table.
  CHECK_THAT(table, tbtest::contains("broken: worker killed by signal 11 (SIGSEGV)"));
  CHECK_THAT(table, tbtest::contains("fast: batch sizes differ"));
  // What the passes did, before the accuracy note.
  CHECK_THAT(table, tbtest::contains("fast: int8-dynamic: 3 Linear layers"));
  CHECK(table.find("fast: int8-dynamic") < table.find("fast: batch sizes differ"));
  // One header line, three rows, the baseline legend and three notes.
  CHECK(std::count(table.begin(), table.end(), '\n') == 8);

  SECTION("without a baseline there is no legend and no speedup") {
    base.is_baseline = false;
    const auto plain = tb::report::render_table({base}, quick_timing());
    CHECK_THAT(plain, !tbtest::contains("* baseline"));
    CHECK_THAT(plain, !tbtest::contains("1.00x"));
    CHECK_THAT(plain, !tbtest::contains("base *"));
  }
}

TEST_CASE("machine warnings: governor", "[report]") {
  tb::SystemInfo system;
  system.logical_cpus = 4;
  CHECK(tb::report::machine_warnings(system).empty());  // nothing known, nothing to say
  system.governor = "performance";
  system.load_average_1m = 3.9;  // the load is load_warning's, after the run
  CHECK(tb::report::machine_warnings(system).empty());
  system.governor = "powersave";
  const auto warnings = tb::report::machine_warnings(system);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], tbtest::contains("'powersave', not 'performance'"));
}

TEST_CASE("load warning: other programs' CPU time during the run, else the load average", "[report]") {
  tb::SystemInfo system;
  system.logical_cpus = 4;
  system.affinity_cpus = 2;
  CHECK_FALSE(tb::report::load_warning(system, std::nullopt));  // nothing known, nothing to say
  system.load_average_1m = 0.9;  // under 0.5 per usable CPU (2)
  CHECK_FALSE(tb::report::load_warning(system, std::nullopt));
  system.load_average_1m = 1.5;
  const auto by_load = tb::report::load_warning(system, std::nullopt);
  REQUIRE(by_load);
  CHECK_THAT(*by_load, tbtest::contains("load average 1.50 on 2 CPUs"));
  // Measured during the run, the share decides: the load average also counts our own workers.
  CHECK_FALSE(tb::report::load_warning(system, tb::report::kCompetingCpuShare));
  CHECK_FALSE(tb::report::load_warning(system, 0.0));
  system.load_average_1m = 0.1;
  const auto by_share = tb::report::load_warning(system, 0.234);
  REQUIRE(by_share);
  CHECK_THAT(*by_share, tbtest::contains("other programs used 23% of the CPU time of the 2 CPUs this run may use"));
  CHECK_THAT(*by_share, tbtest::contains("above 10%"));
}

TEST_CASE("the environment block holds other programs' CPU share of the run, null outside one", "[report]") {
  const auto during = tb::report::environment_json(tb::SystemInfo{}, nlohmann::json::object(), "cpu", 0.25);
  CHECK(during.at("competing_cpu_share") == 0.25);
  const auto outside = tb::report::environment_json(tb::SystemInfo{}, nlohmann::json::object(), "cpu");
  REQUIRE(outside.contains("competing_cpu_share"));  // the same keys as a run's, for `env --json`
  CHECK(outside.at("competing_cpu_share").is_null());
}

namespace {

// A GPU result: device samples, host and enqueue series, optionally the copies.
VariantOutcome gpu_outcome(std::vector<double> h2d, std::vector<double> d2h) {
  auto o = ok_outcome("gpu=", {2.0, 2.0, 2.0}, 1, true);
  o.result->timer = "device_event";
  o.result->host_samples_ms = {5.0, 5.0, 5.0};
  o.result->enqueue_samples_ms = {0.2, 0.2, 0.2};
  o.result->h2d_samples_ms = std::move(h2d);
  o.result->d2h_samples_ms = std::move(d2h);
  if (!o.result->h2d_samples_ms.empty()) {
    o.result->h2d_bytes = 3 << 20;
    o.result->d2h_bytes = 40;
  }
  return o;
}

}  // namespace

TEST_CASE("with transfers the copies are series of their own and feed the hint", "[report]") {
  const auto o = gpu_outcome({2.5, 2.0, 3.0}, {0.1, 0.2, 0.3});
  const auto j = tb::report::result_json(o, &o, tb::TimingOptions{});
  CHECK(j.at("h2d_samples_ms") == nlohmann::json::array({2.5, 2.0, 3.0}));
  CHECK_THAT(j.at("h2d_stats").at("median_ms").get<double>(), WithinAbs(2.5, 1e-12));
  CHECK(j.at("d2h_stats").at("count") == 3);
  CHECK_THAT(j.at("d2h_stats").at("median_ms").get<double>(), WithinAbs(0.2, 1e-12));
  // samples_ms stays the compute between the copies.
  CHECK_THAT(j.at("stats").at("median_ms").get<double>(), WithinAbs(2.0, 1e-12));
  CHECK(j.at("transfers") == nlohmann::json{{"included", true}, {"h2d_bytes", 3 << 20}, {"d2h_bytes", 40}});
  // h2d median 2.5 ms >= 1.0 x the compute median 2.0 ms.
  CHECK(j.at("bottleneck").at("hint") == "transfer_bound");
  CHECK_THAT(j.at("bottleneck").at("message").get<std::string>(), tbtest::contains("host-to-device copy (2.500 ms)"));
  const auto table = tb::report::render_table({o}, quick_timing());
  CHECK_THAT(table, tbtest::contains("gpu: transfers: h2d 2.50 ms, d2h 0.2000 ms"));
  CHECK_THAT(table, tbtest::contains("gpu: transfer-bound"));
}

TEST_CASE("a GPU result without transfers says so and has no copy series", "[report]") {
  const auto o = gpu_outcome({}, {});
  const auto j = tb::report::result_json(o, &o, tb::TimingOptions{});
  CHECK(j.at("transfers") == nlohmann::json{{"included", false}});
  for (const char* key : {"h2d_samples_ms", "h2d_stats", "d2h_samples_ms", "d2h_stats"}) CHECK_FALSE(j.contains(key));
  CHECK(j.at("bottleneck").at("hint") == "none");
  const auto table = tb::report::render_table({o}, quick_timing());
  CHECK_THAT(table, !tbtest::contains("transfers"));
  // A CPU result has neither.
  const auto cpu = ok_outcome("cpu=", {1.0}, 1, true);
  const auto c = tb::report::result_json(cpu, &cpu, tb::TimingOptions{});
  CHECK_FALSE(c.contains("transfers"));
  CHECK_FALSE(c.contains("bottleneck"));
}

TEST_CASE("the report's config states whether transfers were included", "[report]") {
  const auto o = ok_outcome("base=", {1.0, 1.1}, 1, true);
  auto config = config_for({o});
  config.timing.include_transfers = true;
  const auto report = tb::report::build_report(config, nlohmann::json::object(), {o}, 0);
  CHECK(report.at("config").at("timing").at("include_transfers") == true);
  config.timing.include_transfers = false;
  CHECK(tb::report::build_report(config, nlohmann::json::object(), {o}, 0).at("config").at("timing").at(
            "include_transfers") == false);
}

TEST_CASE("a suite report holds the suite, its entries, and judges each result by its entry", "[report]") {
  auto a = ok_outcome("a=", {10.0, 10.0, 10.0}, 1, true);
  auto b = ok_outcome("a=", {1.0, 1.0, 1.0}, 1, true);
  b.model = "models/x.pt";
  b.round_group = 3;
  const std::vector<VariantOutcome> outcomes = {a, b};
  auto first = config_for({a});
  first.timing.min_iters = 3;
  auto second = config_for({b});
  second.models = {"models/x.pt"};
  second.timing.min_iters = 50;  // more than the 3 samples: this entry's results warn
  tb::report::SuiteRunInfo suite;
  suite.name = "nightly";
  suite.description = "d";
  suite.file = "configs/n.json";
  suite.digest = std::string(64, 'f');
  suite.entries = 5;
  suite.shard = std::pair<std::int64_t, std::int64_t>{2, 2};
  suite.overrides = {{"seed", 3}};
  suite.entries_run = {{1, "builtin:mlp", first}, {3, "configs/models/x.pt", second}};
  auto config = first;
  config.models = {"builtin:mlp", "models/x.pt"};
  const auto report = tb::report::build_report(config, nlohmann::json::object(), outcomes, 0, "", {}, &suite);
  const auto& s = report["config"]["suite"];
  CHECK(s["name"] == "nightly");
  CHECK(s["digest"] == "sha256:" + std::string(64, 'f'));
  CHECK(s["entries"] == 5);
  CHECK(s["shard"] == nlohmann::json({{"index", 2}, {"count", 2}}));
  CHECK(s["overrides"]["seed"] == 3);
  const auto& entries = report["config"]["entries"];
  REQUIRE(entries.size() == 2);
  CHECK(entries[1]["index"] == 3);
  CHECK(entries[1]["model"] == "models/x.pt");
  CHECK(entries[1]["path"] == "configs/models/x.pt");
  CHECK(entries[1]["timing"]["min_iters"] == 50);
  CHECK_FALSE(entries[1].contains("models"));
  CHECK(report["config"]["models"] == nlohmann::json::array({"builtin:mlp", "models/x.pt"}));
  CHECK(report["results"][0]["warnings"].empty());
  CHECK_THAT(report["results"][1]["warnings"][0].get<std::string>(), tbtest::contains("only 3 iterations"));
  CHECK(report["results"][1]["rounds"]["group"] == 3);
  // A variant that never started still names its group.
  auto never = failed_outcome();
  never.round_group = 3;
  const auto failed = tb::report::build_report(first, nlohmann::json::object(), {never}, 4, "", {}, &suite);
  CHECK(failed["results"][0]["rounds"]["group"] == 3);
  CHECK(failed["results"][0]["rounds"]["sizes"].empty());
  // A plain run says it is none.
  CHECK(tb::report::build_report(first, nlohmann::json::object(), {a}, 0)["config"]["suite"].is_null());
}
