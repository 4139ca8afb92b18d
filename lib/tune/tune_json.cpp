// The report's `tune` block and the saved configuration (lib/tune/output.hpp).
#include <cmath>

#include <fmt/format.h>

#include "tune/output.hpp"
#include "util/statistics.hpp"
#include "util/strings.hpp"

namespace tb::tune {
namespace {

nlohmann::json number_or_null(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json constraints_json(const Constraints& c) {
  const auto gate = gate_for(c.accuracy, "");
  return {{"max_abs_err", number_or_null(gate.max_abs_err)},
          {"max_rel_err", number_or_null(gate.max_rel_err)},
          {"min_cosine", number_or_null(gate.min_cosine)},
          {"latency_budget_ms", number_or_null(c.latency_budget_ms)},
          {"memory_budget_bytes",
           c.memory_budget_bytes ? nlohmann::json(*c.memory_budget_bytes) : nlohmann::json(nullptr)}};
}

nlohmann::json candidate_json(const CandidateRecord& record, Objective objective) {
  nlohmann::json j = {{"variant", record.candidate.name},
                      {"passes", to_string(record.candidate.passes)},
                      {"fate", to_string(record.fate)},
                      {"reason", record.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(record.reason)},
                      {"rung", record.rung < 0 ? nlohmann::json(nullptr) : nlohmann::json(record.rung)},
                      {"group", record.outcome ? nlohmann::json(record.outcome->round_group) : nlohmann::json(nullptr)},
                      {"pareto", record.pareto}};
  const auto& e = record.evaluation;
  const bool measured = record.outcome && record.outcome->result && !record.outcome->result->samples_ms.empty();
  j["score"] = measured && e.cost > 0 ? nlohmann::json(e.score) : nlohmann::json(nullptr);
  j["objective_value"] = measured && e.cost > 0 ? nlohmann::json(objective_value(objective, e.cost)) : nlohmann::json(nullptr);
  j["latency_vs_baseline"] = e.latency_vs_baseline > 0 ? nlohmann::json(e.latency_vs_baseline) : nlohmann::json(nullptr);
  j["throughput_vs_baseline"] =
      e.throughput_vs_baseline > 0 ? nlohmann::json(e.throughput_vs_baseline) : nlohmann::json(nullptr);
  if (measured) {
    const auto& r = *record.outcome->result;
    const auto s = summarize(r.samples_ms);
    j["median_ms"] = s.median;
    j["p99_ms"] = s.p99;
    j["throughput_per_s"] = report::throughput_per_s(r);
    j["peak_rss_bytes"] = std::max(r.peak_rss_bytes, record.outcome->worker_max_rss_bytes);
    j["cosine"] = r.accuracy && !r.accuracy->non_finite ? nlohmann::json(r.accuracy->cosine) : nlohmann::json(nullptr);
    j["max_abs_err"] =
        r.accuracy && !r.accuracy->non_finite ? nlohmann::json(r.accuracy->max_abs_err) : nlohmann::json(nullptr);
  }
  return j;
}

// A size as --variant-memory-limit takes it: "2G", "512M", or bytes.
std::string size_text(std::int64_t bytes) {
  for (const auto& [unit, size] : {std::pair{"T", std::int64_t{1} << 40}, {"G", std::int64_t{1} << 30},
                                   {"M", std::int64_t{1} << 20}, {"K", std::int64_t{1} << 10}}) {
    if (bytes % size == 0) return std::to_string(bytes / size) + unit;
  }
  return std::to_string(bytes);
}

}  // namespace

nlohmann::json tune_json(const TuneResult& result, const SearchSetup& setup) {
  const auto& s = setup.settings;
  const auto name = [&](std::size_t i) { return result.candidates[i].candidate.name; };
  nlohmann::json dimensions = nlohmann::json::array();
  for (const auto& d : setup.space.dimensions) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto& v : d.values) values.push_back(v.text);
    dimensions.push_back({{"key", d.key}, {"values", values}});
  }
  nlohmann::json dropped = nlohmann::json::array();
  for (const auto& d : setup.dropped) {
    dropped.push_back({{"variant", d.candidate.name}, {"passes", to_string(d.candidate.passes)}, {"reason", d.reason}});
  }
  nlohmann::json rungs = nlohmann::json::array();
  for (const auto& r : result.rungs) {
    rungs.push_back({{"rung", r.index},
                     {"final", r.plan.final},
                     {"candidates", r.plan.candidates},
                     {"measured", r.candidates.size()},
                     {"batches", r.groups.size()},
                     {"seconds_per_candidate", r.plan.seconds_per_candidate},
                     {"rounds", r.schedule.rounds},
                     {"processes", r.schedule.processes},
                     {"groups", r.groups},
                     {"kept", r.kept},
                     {"estimated_seconds", r.plan.estimated_seconds},
                     {"wall_seconds", r.wall_seconds},
                     {"note", r.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.note)}});
  }
  nlohmann::json candidates = nlohmann::json::array();
  nlohmann::json pareto = nlohmann::json::array();
  for (const auto& record : result.candidates) {
    candidates.push_back(candidate_json(record, s.objective));
    if (record.pareto) pareto.push_back(record.candidate.name);
  }
  nlohmann::json tied = nlohmann::json::array();
  for (const auto i : result.tied) tied.push_back(name(i));
  nlohmann::json comparisons = nlohmann::json::array();
  for (const auto& c : result.comparisons) {
    const auto& v = c.verdict;
    comparisons.push_back({{"base", name(c.base)},
                           {"candidate", name(c.candidate)},
                           {"verdict", compare::to_string(v.verdict)},
                           {"method", compare::to_string(v.method)},
                           {"ratio", v.ratio.estimate},
                           {"ratio_low", v.ratio.low},
                           {"ratio_high", v.ratio.high},
                           {"p_value", v.p_value},
                           {"paired_rounds", v.paired_rounds},
                           {"reason", v.reason}});
  }
  nlohmann::json winner = nullptr;
  if (result.winner) {
    const auto& record = result.candidates[*result.winner];
    winner = {{"variant", record.candidate.name},
              {"passes", to_string(record.candidate.passes)},
              {"score", record.evaluation.score},
              {"objective_value", objective_value(s.objective, record.evaluation.cost)},
              {"confirmed", result.confirmed}};
  }
  nlohmann::json fixed = nlohmann::json::array();
  for (const auto& p : setup.space.fixed) fixed.push_back(to_string(p));
  return {
      {"objective", to_string(s.objective)},
      {"strategy", to_string(s.strategy)},
      {"eta", s.eta},
      {"workers", s.workers},
      {"final_processes", s.final_processes},
      {"alpha", s.verdict.alpha},
      {"threshold", s.verdict.threshold},
      {"budget_seconds", s.budget_seconds},
      {"elapsed_seconds", result.elapsed_seconds},
      {"startup_seconds", result.startup_seconds},
      {"stopped", result.stopped.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.stopped)},
      {"space",
       {{"dimensions", dimensions},
        {"fixed", fixed},
        {"baseline", to_string(setup.baseline)},
        {"unavailable", setup.space.unavailable}}},
      {"constraints", constraints_json(s.constraints)},
      {"dropped", dropped},
      {"duplicates", setup.duplicates},
      {"rungs", rungs},
      {"candidates", candidates},
      {"winner", winner},
      {"tied", tied},
      {"comparisons", comparisons},
      {"pareto_front", pareto},
  };
}

nlohmann::ordered_json saved_config_json(const SavedConfig& c) {
  using json = nlohmann::ordered_json;
  const auto number_text = [](double value) { return fmt::format("{}", value); };
  const auto seconds = [](double value) { return std::round(value * 1000) / 1000; };
  json gates = {{"max_abs_err", json::array()}, {"max_rel_err", json::array()}, {"min_cosine", json::array()}};
  for (const auto& rule : c.gates) {
    const char* key = rule.metric == GateMetric::max_abs_err   ? "max_abs_err"
                      : rule.metric == GateMetric::max_rel_err ? "max_rel_err"
                                                               : "min_cosine";
    gates[key].push_back(rule.variant.empty() ? number_text(rule.limit) : rule.variant + "=" + number_text(rule.limit));
  }
  json schedule = {{"mode", to_string(c.schedule.mode)},
                   {"rounds", c.schedule.rounds},
                   {"processes", c.schedule.processes}};
  if (c.schedule.target_precision) schedule["target_precision"] = number_text(*c.schedule.target_precision * 100) + "%";
  json entry = {{"model", c.model}};
  if (!c.inputs.empty()) entry["inputs"] = c.inputs;
  entry["device"] = c.device;
  entry["seed"] = c.seed;
  entry["variants"] = {"baseline=" + to_string(c.baseline), "best=" + to_string(c.best)};
  entry["baseline"] = "baseline";
  entry["timing"] = {{"warmup_iters", c.timing.warmup_iters},
                     {"warmup_time", seconds(c.timing.warmup_seconds)},
                     {"min_iters", c.timing.min_iters},
                     {"min_time", seconds(c.timing.min_seconds)},
                     {"max_time", seconds(c.timing.max_seconds)},
                     {"max_iters", c.timing.max_iters},
                     {"mode", std::string(to_string(c.timing.mode))}};
  entry["schedule"] = std::move(schedule);
  entry["gates"] = std::move(gates);
  if (c.variant_timeout_seconds) entry["variant_timeout"] = *c.variant_timeout_seconds;
  if (c.variant_memory_limit_bytes) entry["variant_memory_limit"] = size_text(*c.variant_memory_limit_bytes);
  return {{"torchbench_config", 1}, {"suite", c.suite}, {"description", c.description}, {"models", {entry}}};
}

}  // namespace tb::tune
