#include "compare/options.hpp"
#include "compare/render.hpp"

namespace tb::compare {
namespace {

using nlohmann::json;

json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json side_json(const Side& side) {
  if (!side.present) return nullptr;
  return {{"model", side.model},
          {"variant", side.variant},
          {"status", side.status},
          {"error", text_or_null(side.error)},
          {"median_ms", side.count ? json(side.median_ms) : json(nullptr)},
          {"batch", side.batch},
          {"count", side.count},
          {"threads", side.threads ? json(*side.threads) : json(nullptr)}};
}

json report_json(const std::string& name, const std::string& created_at, const std::string& git_sha) {
  return {{"report", name}, {"created_at", text_or_null(created_at)}, {"git_sha", text_or_null(git_sha)}};
}

}  // namespace

json comparison_json(const Comparison& c) {
  const auto& o = c.options.verdict;
  json differences = json::array();
  for (const auto& d : c.environment_differences) {
    differences.push_back({{"field", d.field}, {"base", text_or_null(d.base)}, {"new", text_or_null(d.candidate)}});
  }
  json comparisons = json::array();
  for (const auto& pair : c.pairs) {
    json item = {{"model", pair.model},
                 {"variant", pair_name(pair)},
                 {"verdict", to_string(pair.verdict)},
                 {"reason", pair.reason},
                 {"base", side_json(pair.base)},
                 {"new", side_json(pair.candidate)},
                 {"ratio", nullptr},
                 {"ratio_low", nullptr},
                 {"ratio_high", nullptr},
                 {"change", nullptr},
                 {"p_value", nullptr},
                 {"method", nullptr},
                 {"processes", nullptr},
                 {"paired_rounds", nullptr},
                 {"mann_whitney_u", nullptr},
                 {"z", nullptr},
                 {"warnings", pair.warnings},
                 {"reference", pair.is_reference}};
    if (pair.stats) {
      const auto& s = *pair.stats;
      item["ratio"] = s.ratio.estimate;
      item["ratio_low"] = s.ratio.low;
      item["ratio_high"] = s.ratio.high;
      item["change"] = s.ratio.estimate - 1;
      item["p_value"] = s.p_value;
      item["method"] = to_string(s.method);
      item["processes"] = {{"base", s.base_processes}, {"new", s.candidate_processes}};
      if (s.method == Method::paired || s.method == Method::normalized) item["paired_rounds"] = s.paired_rounds;
      item["mann_whitney_u"] = s.test.u;
      item["z"] = s.test.z;
    }
    comparisons.push_back(std::move(item));
  }
  json summary = {{"pairs", c.pairs.size()},
                  {"geomean_ratio", c.geomean_ratio ? json(*c.geomean_ratio) : json(nullptr)},
                  {"geomean_pairs", c.geomean_pairs},
                  {"exit_code", c.exit_code}};
  for (const auto verdict : {Verdict::same, Verdict::faster, Verdict::slower, Verdict::inconclusive, Verdict::failed,
                             Verdict::missing}) {
    summary[std::string(to_string(verdict))] = c.count(verdict);
  }
  return {{"compare_schema_version", kCompareSchemaVersion},
          {"base", report_json(c.base_name, c.base_created_at, c.base_git_sha)},
          {"new", report_json(c.candidate_name, c.candidate_created_at, c.candidate_git_sha)},
          {"options",
           {{"alpha", o.alpha},
            {"confidence", o.confidence()},
            {"threshold", o.threshold},
            {"slower_at", o.slower_at()},
            {"faster_at", o.faster_at()},
            {"resamples", o.resamples},
            {"seed", o.seed},
            {"fail_on", to_string(c.options.fail_on)}}},
          {"environment_differences", differences},
          {"comparisons", comparisons},
          {"warnings", c.warnings},
          {"summary", summary}};
}

}  // namespace tb::compare
