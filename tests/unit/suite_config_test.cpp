// Suite config files (core/suite_config.hpp): the format of docs/config.md, every error path
// with the file and the JSON path, writing a config back, entry settings and model paths.
#include <fstream>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "core/suite_config.hpp"
#include "test_support.hpp"

using tb::parse_suite_config;

namespace {

std::string error_of(const std::string& text) {
  return tbtest::usage_error_of([&] { parse_suite_config(text, "nightly.json"); });
}

// A config with `entry` (JSON object text) as its only model entry.
std::string with_entry(const std::string& entry) {
  return R"({"torchbench_config": 1, "suite": "s", "models": [)" + entry + "]}";
}

std::string with_defaults(const std::string& defaults) {
  return R"({"torchbench_config": 1, "suite": "s", "defaults": )" + defaults +
         R"(, "models": [{"model": "builtin:mlp"}]})";
}

// The example of docs/config.md.
const char* kExample = R"({
  "torchbench_config": 1,
  "suite": "nightly-cpu",
  "description": "free text, optional",
  "defaults": {
    "device": "cpu", "seed": 0,
    "variants": ["naive=grad", "fast=inference-mode,freeze,optimize"],
    "baseline": "naive",
    "sweeps": ["batch=1,8"],
    "inputs": [],
    "timing": {"warmup_iters": 5, "warmup_time": 0.5, "min_iters": 10, "min_time": 1, "max_time": 10,
               "max_iters": 1000000, "mode": "latency", "include_transfers": false},
    "schedule": {"mode": "interleaved", "rounds": 5, "processes": 1, "target_precision": "1%"},
    "gates": {"max_abs_err": ["1e-4"], "max_rel_err": [], "min_cosine": ["fast=0.99"]},
    "variant_timeout": 600,
    "variant_memory_limit": "4G"
  },
  "models": [
    {"model": "builtin:mlp"},
    {"model": "models/resnet50.pt", "inputs": ["1x3x224x224:float32"],
     "variants": ["fp32=no-grad", "bf16=bf16,no-grad"], "timing": {"max_time": 5}}
  ]
})";

}  // namespace

TEST_CASE("the documented example parses", "[config]") {
  const auto c = parse_suite_config(kExample, "nightly.json");
  CHECK(c.suite == "nightly-cpu");
  CHECK(c.description == "free text, optional");
  CHECK(c.source == "nightly.json");
  REQUIRE(c.models.size() == 2);
  CHECK(c.models[0].model == "builtin:mlp");
  CHECK(c.models[0].settings.keys.empty());
  CHECK(c.models[1].model == "models/resnet50.pt");
  CHECK(c.models[1].settings.keys == std::set<std::string>{"inputs", "variants", "timing.max_time"});
  CHECK(c.defaults.keys.size() == tb::setting_keys().size());
  CHECK(c.defaults.values.variant_memory_limit_bytes == std::int64_t{4} << 30);
  CHECK(c.defaults.values.schedule.target_precision == 0.01);
}

TEST_CASE("entry settings: run defaults, config defaults, command line, entry", "[config]") {
  const auto c = parse_suite_config(kExample, "nightly.json");
  const auto mlp = tb::entry_settings(c, 0);
  CHECK(mlp.variants == std::vector<std::string>{"naive=grad", "fast=inference-mode,freeze,optimize"});
  CHECK(mlp.timing.max_seconds == 10);
  CHECK(mlp.variant_timeout_seconds == 600);
  const auto resnet = tb::entry_settings(c, 1);
  CHECK(resnet.variants == std::vector<std::string>{"fp32=no-grad", "bf16=bf16,no-grad"});
  CHECK(resnet.timing.max_seconds == 5);                 // its own key
  CHECK(resnet.timing.min_seconds == 1);                 // merged key by key with the defaults
  CHECK(resnet.sweeps == std::vector<std::string>{"batch=1,8"});

  tb::RunSettings flags;
  flags.timing.max_seconds = 2;
  flags.seed = 3;
  tb::SettingsLayer command_line;
  command_line.set("timing.max_time", flags);
  command_line.set("seed", flags);
  CHECK(tb::entry_settings(c, 0, command_line).timing.max_seconds == 2);  // over the defaults
  CHECK(tb::entry_settings(c, 1, command_line).timing.max_seconds == 5);  // the entry's own key wins
  CHECK(tb::entry_settings(c, 1, command_line).seed == 3);

  // Left out everywhere: the run's default.
  const auto bare = parse_suite_config(with_entry(R"({"model": "builtin:mlp"})"), "x.json");
  CHECK(tb::entry_settings(bare, 0).timing.max_seconds == tb::TimingOptions{}.max_seconds);
  CHECK(tb::entry_settings(bare, 0).variants.empty());
}

TEST_CASE("entry settings are validated together, naming the entry", "[config]") {
  const auto c = parse_suite_config(
      with_entry(R"({"model": "builtin:mlp", "timing": {"min_iters": 50, "max_iters": 5}})"), "nightly.json");
  CHECK(tbtest::usage_error_of([&] { tb::entry_settings(c, 0); }) ==
        "nightly.json: models[0] (builtin:mlp): --min-iters (50) is above --max-iters (5)");
  const auto cpu = parse_suite_config(with_entry(R"({"model": "builtin:mlp", "timing": {"mode": "throughput"}})"),
                                      "x.json");
  CHECK_THAT(tbtest::usage_error_of([&] { tb::entry_settings(cpu, 0); }), tbtest::contains("--timing throughput"));
}

TEST_CASE("the JSON itself: syntax, top level, version", "[config]") {
  CHECK_THAT(error_of("{\"torchbench_config\": 1,"), tbtest::contains("nightly.json: is not valid JSON: parse error"));
  CHECK_THAT(error_of(""), tbtest::contains("is not valid JSON"));
  CHECK_THAT(error_of("[]"), tbtest::contains("the top level must be a JSON object"));
  CHECK_THAT(error_of(R"({"suite": "s", "models": []})"), tbtest::contains("torchbench_config is missing"));
  CHECK_THAT(error_of(R"({"torchbench_config": "1", "suite": "s"})"),
             tbtest::contains("nightly.json: torchbench_config: must be the integer 1, got \"1\""));
  CHECK_THAT(error_of(R"({"torchbench_config": 2, "suite": "s"})"),
             tbtest::contains("torchbench_config: is 2; this torchbench-cli reads version 1 (the config is from a "
                              "newer version)"));
  CHECK_THAT(error_of(std::string(R"({"torchbench_config": 1, "x": )") + std::string(100, '[') +
                      std::string(100, ']') + "}"),
             tbtest::contains("nests deeper than 64 levels"));
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "torchbench_config": 1})"),
             tbtest::contains("key 'torchbench_config' appears twice"));
  CHECK_THAT(error_of(with_entry(R"({"model": "builtin:mlp", "timing": {"max_time": 1, "max_time": 2}})")),
             tbtest::contains("key 'max_time' appears twice in one object"));
  // The same key in two different objects is fine.
  CHECK(error_of(with_defaults(R"({"timing": {"max_time": 1}})")).empty());
  CHECK_THAT(error_of(std::string(17u << 20, ' ')), tbtest::contains("larger than 16 MiB"));
}

TEST_CASE("unknown keys: the path and a did-you-mean", "[config]") {
  CHECK(error_of(R"({"torchbench_config": 1, "suite": "s", "models": [{"model": "builtin:mlp"},
      {"model": "builtin:resnet18"}, {"model": "builtin:transformer", "timing": {"max_tim": 1}}]})") ==
        "nightly.json: models[2].timing.max_tim: unknown key (did you mean 'max_time'?)");
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suit": "s"})"),
             tbtest::contains("nightly.json: suit: unknown key (did you mean 'suite'?)"));
  CHECK_THAT(error_of(with_entry(R"({"modle": "builtin:mlp"})")),
             tbtest::contains("models[0].modle: unknown key (did you mean 'model'?)"));
  CHECK_THAT(error_of(with_defaults(R"({"variant": ["a=grad"]})")),
             tbtest::contains("defaults.variant: unknown key (did you mean 'variants'?)"));
  CHECK_THAT(error_of(with_defaults(R"({"max_time": 3})")),
             tbtest::contains("defaults.max_time: unknown key (did you mean 'timing.max_time'? it is --max-time"));
  CHECK_THAT(error_of(with_defaults(R"({"warmup-time": 3})")), tbtest::contains("'timing.warmup_time'"));
  CHECK_THAT(error_of(with_defaults(R"({"schedule": {"max_time": 3}})")),
             tbtest::contains("defaults.schedule.max_time: unknown key (did you mean 'timing.max_time'?"));
  CHECK_THAT(error_of(with_defaults(R"({"zzzzzz": 3})")),
             tbtest::contains("defaults.zzzzzz: unknown key; keys here: device, seed, inputs"));
  CHECK_THAT(error_of(with_defaults(R"({"model": "builtin:mlp"})")), tbtest::contains("defaults.model: unknown key"));
  CHECK_THAT(error_of(with_defaults(R"({"gates": {"min_cos": ["0.9"]}})")),
             tbtest::contains("defaults.gates.min_cos: unknown key (did you mean 'min_cosine'?)"));
}

TEST_CASE("required fields", "[config]") {
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "models": []})"), tbtest::contains("nightly.json: suite is missing"));
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": "s"})"),
             tbtest::contains("nightly.json: models is missing"));
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": "s", "models": []})"),
             tbtest::contains("models: is empty; list at least one model"));
  CHECK_THAT(error_of(with_entry(R"({"timing": {"max_time": 1}})")),
             tbtest::contains("nightly.json: models[0]: model is missing; each entry names its model"));
}

TEST_CASE("wrong types name the path", "[config]") {
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": 3, "models": []})"),
             tbtest::contains("nightly.json: suite: must be a string, got 3"));
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": "a b", "models": []})"),
             tbtest::contains("invalid suite name 'a b'"));
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": "s", "description": 1})"),
             tbtest::contains("description: must be a string"));
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": "s", "defaults": [], "models": []})"),
             tbtest::contains("defaults: must be an object of run settings"));
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": "s", "models": {"model": "builtin:mlp"}})"),
             tbtest::contains("models: must be an array of entries"));
  CHECK_THAT(error_of(with_entry(R"("builtin:mlp")")), tbtest::contains("models[0]: must be an object such as"));
  CHECK_THAT(error_of(with_entry(R"({"model": 3})")), tbtest::contains("models[0].model: must be a string, got 3"));
  CHECK_THAT(error_of(with_entry(R"({"model": "builtin:mlp", "timing": 5})")),
             tbtest::contains("models[0].timing: must be an object of timing keys"));
  CHECK_THAT(error_of(with_entry(R"({"model": "builtin:mlp", "timing": {"max_time": "5"}})")),
             tbtest::contains("nightly.json: models[0].timing.max_time: must be a number of seconds, got \"5\""));
  CHECK_THAT(error_of(with_entry(R"({"model": "builtin:mlp", "variants": ["a=grad", "b grad"]})")),
             tbtest::contains("models[0].variants[1]: invalid --variant 'b grad'"));
  CHECK_THAT(error_of(with_defaults(R"({"gates": {"min_cosine": ["0.9", "2"]}})")),
             tbtest::contains("defaults.gates.min_cosine[1]: --min-cosine '2': needs a cosine between -1 and 1"));
  CHECK_THAT(error_of(with_defaults(R"({"schedule": {"mode": "parallel"}})")),
             tbtest::contains("defaults.schedule.mode: --schedule must be interleaved or sequential (got 'parallel')"));
  CHECK_THAT(error_of(with_entry(R"({"model": "builtin:"})")), tbtest::contains("models[0].model: invalid model"));
  CHECK_THAT(error_of(with_entry(R"({"model": ""})")), tbtest::contains("models[0].model: the model path is empty"));
}

TEST_CASE("a model listed twice, in any spelling, is an error", "[config]") {
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": "s", "models": [{"model": "models/a.pt"},
      {"model": "builtin:mlp"}, {"model": "./models/a.pt"}]})"),
             tbtest::contains("models[2].model: './models/a.pt' is listed twice (also models[0])"));
  CHECK_THAT(error_of(R"({"torchbench_config": 1, "suite": "s", "models": [
      {"model": "builtin:mlp:layers=2,hidden=8"}, {"model": "builtin:mlp:hidden=8,layers=2"}]})"),
             tbtest::contains("is listed twice"));
  CHECK(error_of(R"({"torchbench_config": 1, "suite": "s", "models": [{"model": "builtin:mlp:layers=2"},
      {"model": "builtin:mlp:layers=3"}]})").empty());
}

TEST_CASE("a config written by to_config_json reads back the same", "[config]") {
  const auto c = parse_suite_config(kExample, "nightly.json");
  const auto text = tb::to_config_json(c);
  const auto back = parse_suite_config(text, "written.json");
  CHECK(back.suite == c.suite);
  CHECK(back.description == c.description);
  CHECK(back.defaults == c.defaults);
  REQUIRE(back.models.size() == c.models.size());
  for (std::size_t i = 0; i < c.models.size(); ++i) {
    CHECK(back.models[i].model == c.models[i].model);
    CHECK(back.models[i].settings == c.models[i].settings);
  }
  CHECK(tb::to_config_json(back) == text);
  CHECK(text.ends_with("}\n"));

  // What tune --save-config writes: one model, one variant, no defaults.
  tb::SuiteConfig tuned;
  tuned.suite = "tuned-resnet";
  tb::RunSettings winner;
  winner.variants = {"best=inference-mode,freeze,optimize,threads=2"};
  tuned.models.push_back({"resnet.pt", {}});
  tuned.models.back().settings.set("variants", winner);
  const auto tuned_text = tb::to_config_json(tuned);
  CHECK(tuned_text == R"({
  "torchbench_config": 1,
  "suite": "tuned-resnet",
  "models": [
    {
      "model": "resnet.pt",
      "variants": [
        "best=inference-mode,freeze,optimize,threads=2"
      ]
    }
  ]
}
)");
  CHECK(tb::entry_settings(parse_suite_config(tuned_text, "t.json"), 0).variants == winner.variants);
}

TEST_CASE("relative model paths are relative to the config file", "[config]") {
  CHECK(tb::resolve_model_path("../out/models/a.pt", "configs") == "out/models/a.pt");
  CHECK(tb::resolve_model_path("a.pt", "") == "a.pt");
  CHECK(tb::resolve_model_path("a.pt", "/etc/suites") == "/etc/suites/a.pt");
  CHECK(tb::resolve_model_path("/models/a.pt", "configs") == "/models/a.pt");
  CHECK(tb::resolve_model_path("builtin:mlp:layers=2", "configs") == "builtin:mlp:layers=2");
}

TEST_CASE("the configs/ examples parse", "[config]") {
  for (const auto* name : {"smoke.json", "nightly-cpu.json", "gpu.json"}) {
    const auto path = std::filesystem::path(TB_SOURCE_DIR) / "configs" / name;
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    const auto c = parse_suite_config(text.str(), path.string());
    CHECK_FALSE(c.models.empty());
    for (std::size_t i = 0; i < c.models.size(); ++i) CHECK_NOTHROW(tb::entry_settings(c, i));
  }
}
