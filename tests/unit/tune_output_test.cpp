// What `tune` writes (tune/output.hpp): the report's tune block, the terminal summary and
// the saved configuration in the `run --config` format.
#include "catch.hpp"
#include "test_support.hpp"
#include "tune/output.hpp"
#include "tune_fakes.hpp"

using namespace tb::tune;

namespace {

SearchSetup setup_for(const std::vector<Candidate>& candidates) {
  SearchSetup setup;
  setup.model = "builtin:mlp";
  setup.device = "cpu";
  setup.settings.budget_seconds = 300;
  setup.settings.constraints.accuracy.push_back(tb::parse_gate_rule(tb::GateMetric::min_cosine, "0.99"));
  setup.baseline = {{"inference-mode", std::nullopt}};
  setup.space.dimensions.push_back({"threads", {}});
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    setup.space.dimensions.back().values.push_back({std::to_string(i + 1), candidates[i].passes});
  }
  setup.dropped.push_back({{"bad", {{"bf16", std::nullopt}, {"int8-dynamic", std::nullopt}}}, "cannot be combined"});
  return setup;
}

}  // namespace

TEST_CASE("the tune block records the search: rungs, fates, winner, comparisons, front", "[tune]") {
  auto m = tbtest::machine27();
  m.cosine[13] = 0.95;
  const auto candidates = tbtest::candidates(27);
  const auto setup = setup_for(candidates);
  const auto result = search(candidates, setup.settings, m.hooks());
  const auto j = tune_json(result, setup);
  CHECK(j["objective"] == "latency-p50");
  CHECK(j["strategy"] == "halving");
  CHECK(j["eta"] == 3);
  CHECK(j["budget_seconds"] == 300.0);
  CHECK(j["stopped"].is_null());
  CHECK(j["space"]["baseline"] == "inference-mode");
  CHECK(j["space"]["dimensions"][0]["key"] == "threads");
  CHECK(j["constraints"]["min_cosine"] == 0.99);
  CHECK(j["constraints"]["latency_budget_ms"].is_null());
  CHECK(j["dropped"][0]["reason"] == "cannot be combined");
  REQUIRE(j["rungs"].size() == 3);
  CHECK(j["rungs"][0]["measured"] == 27);
  CHECK(j["rungs"][0]["batches"] == 7);
  CHECK(j["rungs"][2]["final"] == true);
  CHECK(j["rungs"][2]["processes"] == 3);
  REQUIRE(j["candidates"].size() == 27);
  const auto& infeasible = j["candidates"][13];
  CHECK(infeasible["fate"] == "infeasible");
  CHECK(infeasible["rung"] == 0);
  CHECK(infeasible["cosine"] == Approx(0.95));
  CHECK_THAT(infeasible["reason"].get<std::string>(), tbtest::contains("cosine"));
  CHECK(j["winner"]["variant"] == "c20");
  CHECK(j["winner"]["passes"] == "threads=21");
  CHECK(j["winner"]["confirmed"] == true);
  CHECK(j["winner"]["objective_value"].get<double>() == Approx(5.4).epsilon(0.01));
  CHECK(j["comparisons"].size() == 3);
  CHECK(j["comparisons"][0]["base"] == "c20");
  CHECK(j["comparisons"][0]["method"] == "paired");
  CHECK(j["tied"].empty());
  bool winner_on_front = false;
  for (const auto& name : j["pareto_front"]) winner_on_front |= name == "c20";
  CHECK(winner_on_front);
}

TEST_CASE("the terminal summary: winner first, eliminated by rung, reasons, verdict", "[tune]") {
  auto m = tbtest::machine27();
  m.failing = {5};
  const auto candidates = tbtest::candidates(27);
  const auto setup = setup_for(candidates);
  const auto text = render_tune(search(candidates, setup.settings, m.hooks()), setup);
  CHECK_THAT(text, tbtest::contains("tune builtin:mlp on cpu: latency-p50, halving (eta 3), 27 candidates"));
  CHECK_THAT(text, tbtest::contains("(1 impossible combinations dropped)"));
  const auto first_row = text.find("\n*");
  REQUIRE(first_row != std::string::npos);
  CHECK(text.substr(first_row, 12).find("c13") != std::string::npos);
  CHECK_THAT(text, tbtest::contains("final"));
  CHECK_THAT(text, tbtest::contains("eliminated: 17 at rung 0, 6 at rung 1"));
  CHECK_THAT(text, tbtest::contains("failed: 1\n  c5: worker killed by signal 11"));
  CHECK_THAT(text, tbtest::contains("winner: c13 = threads=14, "));
  CHECK_THAT(text, tbtest::contains("x the baseline's latency-p50\n"));
  CHECK_THAT(text, tbtest::contains("significantly better than the runner-up c20 (slower: "));
  CHECK_THAT(text, tbtest::contains("dropped before measuring: 1 (e.g. bad: cannot be combined)"));
}

TEST_CASE("the saved configuration is one model entry with the baseline and the best", "[tune]") {
  SavedConfig c;
  c.suite = "tune-resnet50";
  c.description = "the winner";
  c.model = "../models/resnet50.pt";
  c.inputs = {"1x3x224x224:float32"};
  c.seed = 3;
  c.baseline = {{"inference-mode", std::nullopt}};
  c.best = {{"inference-mode", std::nullopt}, {"freeze", std::nullopt}, {"threads", "2"}};
  c.timing = rung_timing(tb::TimingOptions{}, 4.5004999, 12);
  c.schedule.rounds = 12;
  c.schedule.processes = 3;
  c.gates = {tb::parse_gate_rule(tb::GateMetric::min_cosine, "0.999"),
             tb::parse_gate_rule(tb::GateMetric::max_abs_err, "1e-4")};
  c.variant_memory_limit_bytes = std::int64_t{2} << 30;
  const auto j = saved_config_json(c);
  CHECK(j["torchbench_config"] == 1);
  CHECK(j["suite"] == "tune-resnet50");
  CHECK(j["description"] == "the winner");
  REQUIRE(j["models"].size() == 1);
  const auto& m = j["models"][0];
  CHECK(m["model"] == "../models/resnet50.pt");
  CHECK(m["inputs"] == nlohmann::ordered_json{"1x3x224x224:float32"});
  CHECK(m["device"] == "cpu");
  CHECK(m["seed"] == 3);
  CHECK(m["variants"] == nlohmann::ordered_json{"baseline=inference-mode", "best=inference-mode,freeze,threads=2"});
  CHECK(m["baseline"] == "baseline");
  CHECK(m["timing"]["min_time"] == 4.5);  // to the millisecond
  CHECK(m["timing"]["max_time"] == 14.5);
  CHECK(m["timing"]["min_iters"] == 12);
  CHECK(m["timing"]["warmup_time"] == 0.5);
  CHECK(m["timing"]["mode"] == "latency");
  CHECK(m["schedule"] == nlohmann::ordered_json{{"mode", "interleaved"}, {"rounds", 12}, {"processes", 3}});
  CHECK(m["gates"]["min_cosine"] == nlohmann::ordered_json{"0.999"});
  CHECK(m["gates"]["max_abs_err"] == nlohmann::ordered_json{"0.0001"});
  CHECK(m["gates"]["max_rel_err"].empty());
  CHECK(m["variant_memory_limit"] == "2G");
  CHECK_FALSE(m.contains("variant_timeout"));
  CHECK(j.begin().key() == "torchbench_config");  // the documented order, not sorted
  // Only keys of the documented format (docs/config.md).
  for (const auto& [key, value] : m.items()) {
    CHECK(std::set<std::string>{"model", "inputs", "device", "seed", "variants", "baseline", "timing", "schedule",
                                "gates", "variant_timeout", "variant_memory_limit"}
              .count(key) == 1);
  }
}
