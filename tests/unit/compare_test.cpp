// compare: matching reports, warnings, the gate, options, and the three renderings.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "compare/command.hpp"
#include "compare/compare.hpp"
#include "compare/options.hpp"
#include "compare/render.hpp"
#include "report/environment.hpp"
#include "sample_reports.hpp"
#include "test_support.hpp"
#include "util/errors.hpp"

using Catch::Matchers::WithinRel;
using nlohmann::json;
using tb::compare::FailOn;
using tb::compare::Verdict;
using tbtest::contains;
using tbtest::latency_samples;
using tbtest::result_entry;

namespace {

std::vector<double> scaled(std::vector<double> samples, double factor) {
  for (auto& x : samples) x *= factor;
  return samples;
}

const tb::compare::Pair& pair_named(const tb::compare::Comparison& c, const std::string& variant) {
  for (const auto& p : c.pairs) {
    if ((p.base.present ? p.base.variant : p.candidate.variant) == variant) return p;
  }
  FAIL("no pair " << variant);
  throw std::logic_error("unreachable");
}

// Base and new reports with one pair of each kind.
struct Fixture {
  std::vector<double> samples = latency_samples(300, 2.0, 3);
  json base = tbtest::report_json(json::array({
      result_entry("m", "same", samples),
      result_entry("m", "slower", samples),
      result_entry("m", "faster", samples),
      result_entry("m", "broken", samples),
      result_entry("m", "gone", samples),
      result_entry("m", "batched", samples, "ok", 1),
  }));
  json candidate = tbtest::report_json(json::array({
      result_entry("m", "same", latency_samples(300, 2.0, 4)),
      result_entry("m", "slower", scaled(samples, 1.2)),
      result_entry("m", "faster", scaled(samples, 0.8)),
      result_entry("m", "broken", {}, "failed"),
      result_entry("m", "batched", scaled(samples, 4.0), "ok", 4),  // same per-item latency
      result_entry("m", "new", samples),
  }));
};

}  // namespace

TEST_CASE("compare reports: one verdict per (model, variant)", "[compare]") {
  Fixture f;
  const auto c = tb::compare::compare_reports(tbtest::parsed(f.base, "base.json"),
                                              tbtest::parsed(f.candidate, "new.json"), {});
  REQUIRE(c.pairs.size() == 7);
  CHECK(pair_named(c, "same").verdict == Verdict::same);
  CHECK(pair_named(c, "slower").verdict == Verdict::slower);
  CHECK(pair_named(c, "faster").verdict == Verdict::faster);
  CHECK(pair_named(c, "broken").verdict == Verdict::failed);
  CHECK(pair_named(c, "gone").verdict == Verdict::missing);
  CHECK(pair_named(c, "new").verdict == Verdict::missing);
  const auto& batched = pair_named(c, "batched");
  CHECK(batched.verdict == Verdict::same);
  CHECK_THAT(batched.stats->ratio.estimate, WithinRel(1.0, 1e-12));
  REQUIRE(batched.warnings.size() == 1);
  CHECK_THAT(batched.warnings[0], contains("batch differs (base 1, new 4): compared per-item latency"));
  CHECK(c.pairs.back().candidate.variant == "new");  // new-only results come last
  CHECK(c.exit_code == 1);  // slower (and a newly failing variant)
  CHECK(c.count(Verdict::missing) == 2);
  // Geometric mean over the pairs with statistics: same, slower 1.2, faster 0.8, batched.
  REQUIRE(c.geomean_ratio);
  CHECK(c.geomean_pairs == 4);
  CHECK_THAT(*c.geomean_ratio, WithinRel(std::pow(1.2 * 0.8 * pair_named(c, "same").stats->ratio.estimate *
                                                      batched.stats->ratio.estimate,
                                                  0.25),
                                         1e-9));
  bool failed_warning = false;
  for (const auto& w : c.warnings) failed_warning |= w.find("m broken: failed in new, ok in base") != std::string::npos;
  CHECK(failed_warning);
  CHECK(c.environment_differences.empty());
}

TEST_CASE("compare reports: environment differences are warnings", "[compare]") {
  Fixture f;
  auto candidate = tbtest::report_json(f.candidate["results"], "Other CPU");
  candidate["environment"]["libtorch"].erase("libtorch_version");
  const auto c = tb::compare::compare_reports(tbtest::parsed(f.base), tbtest::parsed(candidate), {});
  REQUIRE(c.environment_differences.size() == 2);
  CHECK(c.environment_differences[0].field == "cpu.model");
  CHECK(c.environment_differences[0].candidate == "Other CPU");
  CHECK(c.environment_differences[1].field == "libtorch.libtorch_version");
  CHECK(c.environment_differences[1].candidate == "");
  CHECK_THAT(c.warnings[0], contains("environments differ: cpu.model is 'Test CPU' in base, 'Other CPU' in new"));
  CHECK_THAT(c.warnings[1], contains("is '2.13.0' in base, not recorded in new"));
}

TEST_CASE("compare: a run other programs competed with is named, on its side", "[compare]") {
  Fixture f;
  auto quiet = f.base;
  quiet["environment"]["competing_cpu_share"] = tb::report::kCompetingCpuShare;  // at the threshold: quiet
  auto busy = f.candidate;
  busy["environment"]["competing_cpu_share"] = 0.347;
  const auto c = tb::compare::compare_reports(tbtest::parsed(quiet), tbtest::parsed(busy), {});
  REQUIRE(c.warnings.size() >= 1);
  CHECK_THAT(c.warnings[0], contains("new ran on a busy machine: other programs used 35% of its CPUs' time"));
  for (const auto& w : c.warnings) CHECK_THAT(w, !contains("base ran on a busy machine"));

  const auto swapped = tb::compare::compare_reports(tbtest::parsed(busy), tbtest::parsed(quiet), {});
  CHECK_THAT(swapped.warnings.at(0), contains("base ran on a busy machine"));
  // Reports from before the field, or with it null (an interrupted run), say nothing.
  const auto old = tb::compare::compare_reports(tbtest::parsed(f.base), tbtest::parsed(f.candidate), {});
  for (const auto& w : old.warnings) CHECK_THAT(w, !contains("busy machine"));

  auto one = tbtest::report_json(json::array({result_entry("m", "a", latency_samples(100, 1.0, 1)),
                                              result_entry("m", "b", latency_samples(100, 1.0, 2))}));
  one["environment"]["competing_cpu_share"] = 0.5;
  const auto variants = tb::compare::compare_variants(tbtest::parsed(one), {"a", "b"}, {});
  REQUIRE(variants.warnings.size() >= 1);
  CHECK_THAT(variants.warnings[0], contains("the report ran on a busy machine: other programs used 50%"));
  CHECK(std::count_if(variants.warnings.begin(), variants.warnings.end(),
                      [](const std::string& w) { return w.find("busy machine") != std::string::npos; }) == 1);
}

TEST_CASE("compare reports: threads that differ are a warning", "[compare]") {
  auto base = tbtest::report_json(json::array({result_entry("m", "v", latency_samples(50, 1, 1))}));
  auto candidate = base;
  candidate["results"][0]["threads"] = 4;
  const auto c = tb::compare::compare_reports(tbtest::parsed(base), tbtest::parsed(candidate), {});
  CHECK_THAT(c.pairs[0].warnings.at(0), contains("threads differ (base 2, new 4)"));
}

TEST_CASE("compare reports: nothing in common is an input error", "[compare]") {
  const auto base = tbtest::report_json(json::array({result_entry("a", "v", {1.0})}));
  const auto other = tbtest::report_json(json::array({result_entry("b", "v", {1.0})}));
  try {
    tb::compare::compare_reports(tbtest::parsed(base, "x.json"), tbtest::parsed(other, "y.json"), {});
    FAIL("no error");
  } catch (const tb::ModelError& e) {
    CHECK_THAT(std::string(e.what()), contains("'x.json' and 'y.json' have no (model, variant) in common"));
  }
}

TEST_CASE("compare: --fail-on levels", "[compare]") {
  using tb::compare::fails_gate;
  CHECK_FALSE(fails_gate(Verdict::slower, FailOn::never));
  CHECK(fails_gate(Verdict::slower, FailOn::slower));
  CHECK(fails_gate(Verdict::failed, FailOn::slower));
  CHECK_FALSE(fails_gate(Verdict::inconclusive, FailOn::slower));
  CHECK_FALSE(fails_gate(Verdict::missing, FailOn::slower));
  CHECK(fails_gate(Verdict::inconclusive, FailOn::inconclusive));
  CHECK_FALSE(fails_gate(Verdict::faster, FailOn::inconclusive));
  CHECK(fails_gate(Verdict::faster, FailOn::any_change));
  CHECK(fails_gate(Verdict::missing, FailOn::any_change));
  CHECK_FALSE(fails_gate(Verdict::same, FailOn::any_change));

  Fixture f;
  tb::compare::CompareOptions options;
  options.fail_on = FailOn::never;
  CHECK(tb::compare::compare_reports(tbtest::parsed(f.base), tbtest::parsed(f.candidate), options).exit_code == 0);
}

TEST_CASE("compare variants of one report, with sweep points", "[compare]") {
  const auto s = latency_samples(200, 3.0, 8);
  const auto report = tbtest::parsed(tbtest::report_json(json::array({
      result_entry("m", "fp32/batch=1", s),
      result_entry("m", "fp32/batch=8", s),
      result_entry("m", "int8/batch=1", scaled(s, 0.5)),
      result_entry("m", "int8/batch=8", scaled(s, 1.0)),
      result_entry("m", "fp32x", s),  // shares a prefix, not a sweep point of fp32
  })));
  const auto c = tb::compare::compare_variants(report, {"fp32", "int8"}, {});
  REQUIRE(c.pairs.size() == 2);
  CHECK(c.pairs[0].base.variant == "fp32/batch=1");
  CHECK(c.pairs[0].candidate.variant == "int8/batch=1");
  CHECK(c.pairs[0].verdict == Verdict::faster);
  CHECK(c.pairs[1].verdict == Verdict::same);
  CHECK(tb::compare::pair_name(c.pairs[0]) == "fp32/batch=1 -> int8/batch=1");
  CHECK(c.base_name == "r.json: fp32");

  const auto exact = tb::compare::compare_variants(report, {"fp32/batch=8", "int8/batch=1"}, {});
  REQUIRE(exact.pairs.size() == 1);  // exact names pair with each other
  CHECK(exact.pairs[0].verdict == Verdict::faster);

  CHECK_THAT(tbtest::usage_error_of([&] { tb::compare::compare_variants(report, {"fp23", "int8"}, {}); }),
             contains("--a 'fp23': report 'r.json' has no such variant (did you mean 'fp32'?)"));
  CHECK_THAT(tbtest::usage_error_of([&] { tb::compare::compare_variants(report, {"fp32", "fp32"}, {}); }),
             contains("--a and --b are both 'fp32'"));
}

namespace {

// A result measured in `processes` x `per_process` interleaved rounds, with the speed of the
// machine in each process (shared by every result of the run) and the result's own factor.
json interleaved_entry(const std::string& model, const std::string& variant, const std::vector<double>& states,
                       int per_process, double factor, std::uint64_t seed) {
  std::vector<double> samples;
  json sizes = json::array(), processes = json::array(), positions = json::array();
  for (std::size_t p = 0; p < states.size(); ++p) {
    for (int i = 0; i < per_process; ++i) {
      const auto round = latency_samples(50, 1.0 * states[p] * factor, seed++);
      samples.insert(samples.end(), round.begin(), round.end());
      sizes.push_back(round.size());
      processes.push_back(p);
      positions.push_back(0);
    }
  }
  auto entry = result_entry(model, variant, samples);
  entry["rounds"] = {{"sizes", sizes}, {"processes", processes}, {"positions", positions}};
  return entry;
}

}  // namespace

TEST_CASE("compare two models of one interleaved run, paired by round", "[compare]") {
  // The machine ran 10% slower during processes 2-4; model b is 3% slower than a throughout.
  const std::vector<double> states = {1.0, 1.0, 1.1, 1.1, 1.1};
  auto doc = tbtest::report_json(json::array({
      interleaved_entry("a.pt", "fp32", states, 3, 1.0, 10),
      interleaved_entry("a.pt", "int8", states, 3, 0.5, 20),
      interleaved_entry("b.pt", "fp32", states, 3, 1.03, 30),
      interleaved_entry("b.pt", "int8", states, 3, 0.5, 40),
      interleaved_entry("b.pt", "bf16", states, 3, 0.7, 50),
  }));
  doc["config"] = {{"schedule", {{"mode", "interleaved"}}}};
  const auto report = tbtest::parsed(doc);
  CHECK(report.schedule_mode == "interleaved");

  const auto c = tb::compare::compare_variants(report, {.a_model = "a.pt", .b_model = "b.pt"}, {});
  REQUIRE(c.pairs.size() == 3);  // fp32, int8, and bf16 only in b
  CHECK(c.pairs[0].model == "a.pt -> b.pt");
  CHECK(c.pairs[0].base.variant == "fp32");
  CHECK(c.pairs[0].candidate.model == "b.pt");
  REQUIRE(c.pairs[0].stats);
  CHECK(c.pairs[0].stats->method == tb::compare::Method::paired);
  CHECK(c.pairs[0].stats->paired_rounds == 15);
  CHECK(c.pairs[0].verdict == Verdict::slower);
  CHECK(c.pairs[1].verdict == Verdict::same);
  CHECK(c.pairs[2].verdict == Verdict::missing);
  CHECK(c.pairs[2].model == "b.pt");
  CHECK(c.base_name == "r.json: a.pt");
  const auto j = tb::compare::comparison_json(c);
  CHECK(j["comparisons"][0]["method"] == "paired");
  CHECK(j["comparisons"][0]["paired_rounds"] == 15);
  CHECK(j["comparisons"][0]["new"]["model"] == "b.pt");

  // Model and variant together pick one pair; variants alone pair within each model.
  const auto one = tb::compare::compare_variants(report, {"fp32", "int8", "a.pt", "b.pt"}, {});
  REQUIRE(one.pairs.size() == 1);
  CHECK(one.pairs[0].candidate.variant == "int8");
  CHECK(one.pairs[0].verdict == Verdict::faster);
  CHECK(tb::compare::compare_variants(report, {.a = "fp32", .b = "int8"}, {}).pairs.size() == 2);

  // Results of different round groups (two entries of a suite) were not side by side.
  auto regrouped = doc;
  for (auto& r : regrouped["results"]) {
    if (r["model"] == "b.pt") r["rounds"]["group"] = 1;
  }
  const auto groups = tb::compare::compare_variants(tbtest::parsed(regrouped), {.a_model = "a.pt", .b_model = "b.pt"}, {});
  CHECK(groups.pairs[0].stats->method == tb::compare::Method::processes);

  // Without an interleaved schedule, the rounds were not side by side: per-process Welch.
  doc["config"] = json::object();
  const auto unpaired = tb::compare::compare_variants(tbtest::parsed(doc), {.a_model = "a.pt", .b_model = "b.pt"}, {});
  CHECK(unpaired.pairs[0].stats->method == tb::compare::Method::processes);
  CHECK(unpaired.pairs[0].verdict == Verdict::inconclusive);

  CHECK_THAT(tbtest::usage_error_of([&] {
               tb::compare::compare_variants(report, {.a_model = "a.pt", .b_model = "c.pt"}, {});
             }),
             contains("--b-model 'c.pt': report 'r.json' has no such model (did you mean 'a.pt'?); models: a.pt, b.pt"));
  CHECK_THAT(tbtest::usage_error_of([&] {
               tb::compare::compare_variants(report, {.a_model = "a.pt", .b_model = "a.pt"}, {});
             }),
             contains("both sides select 'a.pt'"));
  CHECK_THROWS_AS(tb::compare::compare_variants(report, {"bf16", "int8", "a.pt", "b.pt"}, {}), tb::ModelError);
}

TEST_CASE("compare two runs relative to a reference model", "[compare]") {
  // The second run found the machine 10% slower: m and the reference shifted alike.
  const std::vector<double> fast(5, 1.0), slow(5, 1.1);
  auto run = [](const std::vector<double>& states, double m_factor, std::uint64_t seed) {
    auto doc = tbtest::report_json(json::array({
        interleaved_entry("m.pt", "fp32", states, 3, m_factor, seed),
        interleaved_entry("ref.pt", "fp32", states, 3, 0.7, seed + 100),
        interleaved_entry("m.pt", "int8", states, 3, 0.5 * m_factor, seed + 200),
    }));
    doc["results"][1]["baseline"] = true;
    doc["config"] = {{"schedule", {{"mode", "interleaved"}}}};
    return tbtest::parsed(doc);
  };
  const auto base = run(fast, 1.0, 10);
  const auto same = run(slow, 1.0, 20);
  const auto plain = tb::compare::compare_reports(base, same, {});
  CHECK(plain.pairs[0].verdict == Verdict::slower);
  CHECK(plain.exit_code == 1);

  tb::compare::CompareOptions options;
  options.reference_model = "ref.pt";
  const auto c = tb::compare::compare_reports(base, same, options);
  REQUIRE(c.pairs.size() == 3);
  CHECK(c.pairs[0].stats->method == tb::compare::Method::normalized);
  CHECK(c.pairs[0].verdict == Verdict::same);
  // ref.pt has no int8: m.pt int8 is judged relative to the reference's baseline (fp32).
  CHECK(c.pairs[2].stats->method == tb::compare::Method::normalized);
  CHECK(c.pairs[2].verdict == Verdict::same);
  CHECK(c.pairs[1].is_reference);
  CHECK(c.pairs[1].verdict == Verdict::slower);  // the machine's change, shown
  CHECK(c.count(Verdict::slower) == 0);          // but not counted or gated
  CHECK(c.exit_code == 0);
  CHECK(c.geomean_pairs == 2);
  CHECK(std::any_of(c.warnings.begin(), c.warnings.end(), [](const std::string& w) {
    return w.find("ref.pt fp32: the reference changed by +10") != std::string::npos;
  }));
  const auto j = tb::compare::comparison_json(c);
  CHECK(j["comparisons"][1]["reference"] == true);
  CHECK(j["comparisons"][0]["method"] == "normalized");
  CHECK(j["summary"]["slower"] == 0);

  // A real slowdown of m in the slow run is still found.
  const auto slower = tb::compare::compare_reports(base, run(slow, 1.05, 30), options);
  CHECK(slower.pairs[0].verdict == Verdict::slower);
  CHECK(slower.exit_code == 1);

  options.reference_model = "nope.pt";
  CHECK_THAT(tbtest::usage_error_of([&] { tb::compare::compare_reports(base, same, options); }),
             contains("--reference 'nope.pt': report 'r.json' has no such model"));
}

TEST_CASE("compare options", "[compare]") {
  CHECK_THAT(tb::compare::parse_threshold("5%"), WithinRel(0.05, 1e-12));
  CHECK_THAT(tb::compare::parse_threshold(" 2.5 % "), WithinRel(0.025, 1e-12));
  CHECK_THAT(tbtest::usage_error_of([] { tb::compare::parse_threshold("0.05"); }), contains("no % sign"));
  CHECK_THAT(tbtest::usage_error_of([] { tb::compare::parse_threshold("x%"); }), contains("not a number"));
  CHECK_THAT(tbtest::usage_error_of([] { tb::compare::parse_threshold("0%"); }), contains("above 0%"));
  CHECK_THAT(tbtest::usage_error_of([] { tb::compare::parse_threshold("150%"); }), contains("below 100%"));
  CHECK_THAT(tbtest::usage_error_of([] { tb::compare::parse_threshold("nan%"); }), contains("--threshold 'nan%'"));
  CHECK(tb::compare::parse_alpha("0.05") == 0.05);
  CHECK_THAT(tbtest::usage_error_of([] { tb::compare::parse_alpha("0"); }), contains("--alpha '0'"));
  CHECK_THAT(tbtest::usage_error_of([] { tb::compare::parse_alpha("1"); }), contains("at most 0.5"));
  CHECK(tb::compare::parse_fail_on("any-change") == FailOn::any_change);
  CHECK(tb::compare::to_string(FailOn::inconclusive) == "inconclusive");
  CHECK_THAT(tbtest::usage_error_of([] { tb::compare::parse_fail_on("slow"); }), contains("did you mean 'slower'?"));
}

TEST_CASE("compare: colour only on a terminal without NO_COLOR, unless forced", "[compare]") {
  using tb::compare::ColorMode;
  using tb::compare::use_color;
  CHECK(use_color(ColorMode::automatic, true, nullptr));
  CHECK(use_color(ColorMode::automatic, true, ""));
  CHECK_FALSE(use_color(ColorMode::automatic, true, "1"));
  CHECK_FALSE(use_color(ColorMode::automatic, false, nullptr));
  CHECK(use_color(ColorMode::always, false, "1"));
  CHECK_FALSE(use_color(ColorMode::never, true, nullptr));
}

TEST_CASE("compare renderings", "[compare]") {
  Fixture f;
  f.candidate["results"][0]["variant"] = "same";
  auto odd = result_entry("m", "a|b*<c>_`d`@e", f.samples);
  f.base["results"].push_back(odd);
  f.candidate["results"].push_back(odd);
  const auto c = tb::compare::compare_reports(tbtest::parsed(f.base, "base.json"),
                                              tbtest::parsed(f.candidate, "new.json"), {});

  const auto table = tb::compare::render_table(c, false);
  CHECK_THAT(table, contains("model m\n"));
  CHECK_THAT(table, contains("verdict"));
  CHECK_THAT(table, contains("+20.0%"));
  CHECK_THAT(table, contains("verdicts: 1 slower, 1 failed, 1 faster, 3 same, 2 missing (exit 1, --fail-on slower)"));
  CHECK(table.find('\x1b') == std::string::npos);
  CHECK_THAT(tb::compare::render_table(c, true), contains("\x1b[1;31mslower\x1b[0m"));

  auto hostile = f.base;
  hostile["results"][0]["variant"] = "evil\x1b[2J";
  auto hostile_new = f.candidate;
  hostile_new["results"][0]["variant"] = "evil\x1b[2J";
  const auto h = tb::compare::compare_reports(tbtest::parsed(hostile), tbtest::parsed(hostile_new), {});
  CHECK_THAT(tb::compare::render_table(h, false), contains("evil?[2J"));  // no escape sequence from a report

  const auto markdown = tb::compare::render_markdown(c);
  CHECK_THAT(markdown, contains("### torchbench-cli compare: 1 slower, 1 failed, 1 faster, 3 same, 2 missing"));
  CHECK_THAT(markdown, contains("| m | a\\|b\\*&lt;c&gt;\\_\\`d\\`&#64;e |"));
  CHECK_THAT(markdown, contains("| **slower** |"));
  CHECK(markdown.find("a|b") == std::string::npos);

  const auto j = tb::compare::comparison_json(c);
  CHECK(j["compare_schema_version"] == 1);
  CHECK(j["summary"]["slower"] == 1);
  CHECK(j["summary"]["exit_code"] == 1);
  CHECK(j["options"]["threshold"] == 0.05);
  CHECK(j["options"]["fail_on"] == "slower");
  const auto& slower = j["comparisons"][1];
  CHECK(slower["variant"] == "slower");
  CHECK(slower["verdict"] == "slower");
  CHECK_THAT(slower["ratio"].get<double>(), WithinRel(1.2, 1e-9));
  CHECK(slower["ratio_low"].get<double>() < 1.2);
  CHECK(slower["base"]["count"] == 300);
  const auto& broken = j["comparisons"][3];
  CHECK(broken["verdict"] == "failed");
  CHECK(broken["ratio"].is_null());
  CHECK(broken["new"]["error"] == "measure: it broke");
  CHECK(j["comparisons"][4]["new"].is_null());  // "gone": only in base
}

TEST_CASE("compare command: options are checked before files are read", "[compare]") {
  tb::compare::CompareCommandOptions o;
  o.reports = {"/nonexistent/a.json", "/nonexistent/b.json"};
  std::ostringstream out, err;
  o.format = "yaml";
  CHECK_THAT(tbtest::usage_error_of([&] { tb::compare::compare_command(o, out, err); }),
             contains("--format 'yaml'"));
  o.format = "json";
  o.a = "x";
  CHECK_THAT(tbtest::usage_error_of([&] { tb::compare::compare_command(o, out, err); }),
             contains("--a and --b compare two variants of one report"));
  o.a.clear();
  o.reports = {"/nonexistent/a.json"};
  CHECK_THAT(tbtest::usage_error_of([&] { tb::compare::compare_command(o, out, err); }),
             contains("name the two variants to compare with --a and --b"));
  o.reports = {"/nonexistent/a.json", "/nonexistent/b.json"};
  CHECK_THAT(tbtest::usage_error_of([&] { tb::compare::compare_command(o, out, err); }),
             contains("report '/nonexistent/a.json' does not exist"));
}
