// Run settings (core/run_settings.hpp): the key table mirrors the run flags, layers apply key
// by key, values go through the flags' parsers, validate() names the flag.
#include <set>
#include <string>

#include "catch.hpp"
#include "core/run_settings.hpp"
#include "test_support.hpp"

using nlohmann::json;
using tb::RunSettings;
using tb::SettingsLayer;

namespace {

SettingsLayer layer(const std::string& key, const json& value) {
  SettingsLayer l;
  const auto* setting = tb::find_setting(key);
  REQUIRE(setting);
  setting->read(value, l.values);
  l.keys.insert(key);
  return l;
}

std::string read_error(const std::string& key, const json& value) {
  return tbtest::usage_error_of([&] { layer(key, value); });
}

}  // namespace

TEST_CASE("every setting has a unique key and the flag it mirrors", "[settings]") {
  std::set<std::string_view> keys, flags;
  for (const auto& s : tb::setting_keys()) {
    CHECK(keys.insert(s.key).second);
    CHECK(flags.insert(s.flag).second);
    CHECK(s.flag.starts_with("--"));
    CHECK(tb::find_setting(s.key) == &s);
    CHECK(tb::find_setting_by_flag(s.flag) == &s);
  }
  CHECK(tb::find_setting("timing.max_time")->flag == "--max-time");
  CHECK(tb::find_setting("variant_memory_limit")->flag == "--variant-memory-limit");
  CHECK(tb::find_setting("max_time") == nullptr);
  CHECK(tb::find_setting_by_flag("--output") == nullptr);  // where the report goes is not a setting
}

TEST_CASE("every setting reads back what it writes", "[settings]") {
  RunSettings s;
  s.inputs = {"1x3x8x8:float32"};
  s.variants = {"a=no-grad", "b=inference-mode,freeze"};
  s.sweeps = {"batch=1,8"};
  s.baseline = "a";
  s.device = "cuda:1";
  s.seed = 7;
  s.timing = {2, 0.25, 3, 0.5, 4.5, 99, tb::TimingMode::throughput};
  s.timing.include_transfers = true;
  s.schedule = {tb::ScheduleMode::sequential, 6, 0.025, 2};
  s.gates = {tb::parse_gate_rule(tb::GateMetric::max_abs_err, "1e-4"),
             tb::parse_gate_rule(tb::GateMetric::max_rel_err, "b=0.125"),
             tb::parse_gate_rule(tb::GateMetric::min_cosine, "b=0.99")};
  s.variant_timeout_seconds = 30;
  s.variant_memory_limit_bytes = 1 << 30;
  for (const auto& key : tb::setting_keys()) {
    RunSettings back;
    key.read(key.write(s), back);
    CHECK(key.write(back) == key.write(s));
    CHECK(key.write(back) != key.write(RunSettings{}));  // the test values all differ from the defaults
  }
  CHECK(tb::find_setting("schedule.target_precision")->write(s) == "2.5%");
  CHECK(tb::find_setting("gates.min_cosine")->write(s) == json::array({"b=0.99"}));
}

TEST_CASE("values go through the flags' parsers and messages", "[settings]") {
  CHECK(layer("timing.max_time", 5).values.timing.max_seconds == 5);
  CHECK(layer("timing.max_time", 0.5).values.timing.max_seconds == 0.5);
  CHECK(layer("schedule.target_precision", "1%").values.schedule.target_precision == 0.01);
  CHECK(layer("variant_memory_limit", "2G").values.variant_memory_limit_bytes == std::int64_t{2} << 30);
  CHECK(layer("variant_memory_limit", 4096).values.variant_memory_limit_bytes == 4096);
  CHECK_FALSE(layer("variant_memory_limit", nullptr).values.variant_memory_limit_bytes);
  CHECK_FALSE(layer("variant_timeout", nullptr).values.variant_timeout_seconds);
  CHECK(layer("timing.mode", "throughput").values.timing.mode == tb::TimingMode::throughput);
  CHECK(layer("gates.max_abs_err", json::array({1e-4, "fast=0.5"})).values.gates.size() == 2);

  CHECK_THAT(read_error("timing.max_time", "5"), tbtest::contains("must be a number of seconds, got \"5\""));
  CHECK_THAT(read_error("seed", 1.5), tbtest::contains("must be an integer, got 1.5"));
  CHECK_THAT(read_error("seed", json::parse("18446744073709551615")), tbtest::contains("fits 64 bits"));
  CHECK_THAT(read_error("device", 0), tbtest::contains("must be a string"));
  CHECK_THAT(read_error("variants", "a=grad"), tbtest::contains("must be an array of strings"));
  CHECK_THAT(read_error("variants", json::array({"a=grad", 3})), tbtest::contains("must be a string, got 3"));
  CHECK_THAT(read_error("variants", json::array({"noequals"})), tbtest::contains("invalid --variant 'noequals'"));
  CHECK_THAT(read_error("sweeps", json::array({"batch=1,1"})), tbtest::contains("repeats"));
  CHECK_THAT(read_error("inputs", json::array({"1xfoo"})), tbtest::contains("invalid --input '1xfoo'"));
  CHECK_THAT(read_error("schedule.mode", "parallel"), tbtest::contains("--schedule must be interleaved or sequential"));
  CHECK_THAT(read_error("timing.mode", "fast"), tbtest::contains("--timing takes latency or throughput"));
  CHECK_THAT(read_error("schedule.target_precision", 0.01), tbtest::contains("\"1%\""));
  CHECK_THAT(read_error("schedule.target_precision", "5"), tbtest::contains("--target-precision needs a percentage"));
  CHECK_THAT(read_error("variant_memory_limit", "2X"), tbtest::contains("--variant-memory-limit needs a size"));
  CHECK_THAT(read_error("variant_memory_limit", true), tbtest::contains("must be a size"));
  CHECK_THAT(read_error("gates.min_cosine", json::array({"2"})), tbtest::contains("between -1 and 1"));
  CHECK_THAT(read_error("gates.min_cosine", "0.9"), tbtest::contains("must be an array of limits"));
  CHECK_THAT(read_error("gates.min_cosine", json::array({nullptr})), tbtest::contains("must be a limit"));
  CHECK_THAT(read_error("variant_timeout", "10"), tbtest::contains("or null"));

  // Which item of an array is at fault.
  try {
    layer("variants", json::array({"a=grad", "bad name=grad"}));
    FAIL("no error");
  } catch (const tb::SettingValueError& e) {
    CHECK(e.item == 1u);
  }
}

TEST_CASE("layers apply key by key, later layers win", "[settings]") {
  auto defaults = layer("timing.max_time", 5);
  defaults.set("timing.min_time", [] {
    RunSettings s;
    s.timing.min_seconds = 2;
    return s;
  }());
  const auto command_line = layer("timing.max_time", 3);
  const auto entry = layer("timing.min_time", 0.5);
  const SettingsLayer* layers[] = {&defaults, &command_line, &entry};
  const auto s = tb::resolve_settings(layers);
  CHECK(s.timing.max_seconds == 3);    // the command line over the defaults
  CHECK(s.timing.min_seconds == 0.5);  // the entry over both
  CHECK(s.timing.min_iters == tb::TimingOptions{}.min_iters);  // nobody set it
  CHECK_THROWS_AS(defaults.set("timing.nope", RunSettings{}), std::invalid_argument);
}

TEST_CASE("gate layers replace the rules of their own metric only", "[settings]") {
  const auto abs = layer("gates.max_abs_err", json::array({"1e-3"}));
  const auto cosine = layer("gates.min_cosine", json::array({"0.99"}));
  const auto abs_again = layer("gates.max_abs_err", json::array({"int8=0.5"}));
  const SettingsLayer* layers[] = {&abs, &cosine, &abs_again};
  const auto s = tb::resolve_settings(layers);
  REQUIRE(s.gates.size() == 2);
  CHECK(tb::gate_for(s.gates, "int8").max_abs_err == 0.5);
  CHECK_FALSE(tb::gate_for(s.gates, "other").max_abs_err);
  CHECK(tb::gate_for(s.gates, "other").min_cosine == 0.99);
}

TEST_CASE("rounds follow processes unless a layer gives them", "[settings]") {
  const auto processes = layer("schedule.processes", 3);
  const SettingsLayer* only_processes[] = {&processes};
  CHECK(tb::resolve_settings(only_processes).schedule.rounds == tb::default_rounds(3));
  const auto rounds = layer("schedule.rounds", 6);
  const SettingsLayer* both[] = {&rounds, &processes};
  CHECK(tb::resolve_settings(both).schedule.rounds == 6);
  CHECK(tb::resolve_settings({}).schedule.rounds == tb::ScheduleOptions{}.rounds);
}

TEST_CASE("validate names the flag", "[settings]") {
  const auto error = [](auto edit) {
    RunSettings s;
    edit(s);
    return tbtest::usage_error_of([&] { tb::validate(s); });
  };
  CHECK(error([](RunSettings&) {}).empty());
  CHECK_THAT(error([](RunSettings& s) { s.seed = -1; }), tbtest::contains("--seed must be 0 or more"));
  CHECK_THAT(error([](RunSettings& s) { s.timing.min_iters = 50, s.timing.max_iters = 5; }),
             tbtest::contains("--min-iters (50) is above --max-iters (5)"));
  CHECK_THAT(error([](RunSettings& s) { s.schedule.rounds = 0; }), tbtest::contains("--rounds"));
  CHECK_THAT(error([](RunSettings& s) { s.variant_timeout_seconds = 0; }), tbtest::contains("--variant-timeout"));
  CHECK_THAT(error([](RunSettings& s) { s.variant_memory_limit_bytes = 0; }),
             tbtest::contains("--variant-memory-limit"));
  CHECK_THAT(error([](RunSettings& s) { s.timing.mode = tb::TimingMode::throughput; }),
             tbtest::contains("--timing throughput needs a device that queues work"));
  CHECK(error([](RunSettings& s) { s.timing.mode = tb::TimingMode::throughput, s.device = "cuda"; }).empty());
}

TEST_CASE("a layer as a config object nests its groups", "[settings]") {
  auto l = layer("timing.max_time", 5);
  l.set("seed", RunSettings{});
  l.set("gates.min_cosine", RunSettings{});
  CHECK(tb::layer_json(l).dump() == R"({"seed":0,"timing":{"max_time":5.0},"gates":{"min_cosine":[]}})");
  CHECK(tb::layer_json(SettingsLayer{}).dump() == "{}");
  CHECK(l == l);
  CHECK_FALSE(l == layer("timing.max_time", 5));
}
