#include "tune/objective.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "util/errors.hpp"
#include "util/statistics.hpp"
#include "util/strings.hpp"

namespace tb::tune {

std::string_view to_string(Objective objective) {
  switch (objective) {
    case Objective::latency_p50: return "latency-p50";
    case Objective::latency_p99: return "latency-p99";
    case Objective::throughput: return "throughput";
  }
  return "";
}

Objective parse_objective(std::string_view text) {
  for (const auto o : {Objective::latency_p50, Objective::latency_p99, Objective::throughput}) {
    if (text == to_string(o)) return o;
  }
  const std::vector<std::string_view> names = {"latency-p50", "latency-p99", "throughput"};
  throw UsageError("--objective must be latency-p50, latency-p99 or throughput (got '" + std::string(text) + "'" +
                   did_you_mean(text, names) + ")");
}

std::optional<double> objective_cost(Objective objective, const WorkerResult& result) {
  if (result.samples_ms.empty()) return std::nullopt;
  switch (objective) {
    case Objective::latency_p50: return summarize(result.samples_ms).median;
    case Objective::latency_p99: return summarize(result.samples_ms).p99;
    case Objective::throughput: {
      const double per_s = report::throughput_per_s(result);
      if (!(per_s > 0)) return std::nullopt;
      return 1000.0 / per_s;
    }
  }
  return std::nullopt;
}

double objective_value(Objective objective, double cost) {
  return objective == Objective::throughput ? (cost > 0 ? 1000.0 / cost : 0) : cost;
}

Evaluation evaluate(const report::VariantOutcome& candidate, const report::VariantOutcome& baseline,
                    Objective objective, const Constraints& constraints, BudgetCheck latency_check) {
  Evaluation e;
  const auto cost = candidate.result ? objective_cost(objective, *candidate.result) : std::nullopt;
  if (candidate.status != "ok" || !cost) {
    e.fate = candidate.status == "skipped" ? "skipped" : "failed";
    e.reason = candidate.error.empty() ? "no samples" : candidate.error;
    return e;
  }
  const auto& r = *candidate.result;
  e.cost = *cost;
  if (baseline.status == "ok" && baseline.result && !baseline.result->samples_ms.empty()) {
    const auto& b = *baseline.result;
    e.baseline_cost = objective_cost(objective, b).value_or(0);
    const double base_median = summarize(b.samples_ms).median;
    const double base_throughput = report::throughput_per_s(b);
    if (base_median > 0) e.latency_vs_baseline = summarize(r.samples_ms).median / base_median;
    if (base_throughput > 0) e.throughput_vs_baseline = report::throughput_per_s(r) / base_throughput;
  }
  e.score = e.baseline_cost > 0 ? e.cost / e.baseline_cost : e.cost;

  std::vector<std::string> violations;
  if (const auto gate = gate_for(constraints.accuracy, candidate.variant.name); !gate.empty()) {
    for (auto& v : check_gate(gate, r.accuracy, r.accuracy_note).violations) violations.push_back(std::move(v));
  }
  if (constraints.memory_budget_bytes) {
    const auto peak = std::max(r.peak_rss_bytes, candidate.worker_max_rss_bytes);
    if (peak > *constraints.memory_budget_bytes) {
      violations.push_back("peak RSS " + format_byte_size(peak) + " > --memory-budget " +
                           format_byte_size(*constraints.memory_budget_bytes));
    }
  }
  if (constraints.latency_budget_ms) {
    const auto s = summarize(r.samples_ms);
    const bool p99 = latency_check == BudgetCheck::p99;
    const double value = p99 ? s.p99 : s.median;
    if (value > *constraints.latency_budget_ms) {
      violations.push_back(fmt::format("{} {:.4g} ms > --latency-budget {:g} ms", p99 ? "p99" : "median", value,
                                       *constraints.latency_budget_ms));
    }
  }
  if (!violations.empty()) {
    e.fate = "infeasible";
    e.reason = "constraint: " + join(violations, "; ");
    return e;
  }
  e.feasible = true;
  e.fate = "ok";
  return e;
}

std::vector<std::size_t> select_survivors(const std::vector<double>& scores, std::size_t keep) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  if (keep == 0) return {};
  if (keep >= order.size()) return order;
  const double cut = scores[order[keep - 1]];
  while (keep < order.size() && scores[order[keep]] == cut) ++keep;
  order.resize(keep);
  return order;
}

std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points) {
  const auto cosine = [](const ParetoPoint& p) { return p.cosine.value_or(1.0); };
  const auto dominates = [&](const ParetoPoint& a, const ParetoPoint& b) {
    const bool no_worse = a.latency <= b.latency && a.throughput >= b.throughput && cosine(a) >= cosine(b);
    const bool better = a.latency < b.latency || a.throughput > b.throughput || cosine(a) > cosine(b);
    return no_worse && better;
  };
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) dominated = j != i && dominates(points[j], points[i]);
    if (!dominated) front.push_back(i);
  }
  return front;
}

std::vector<report::RoundRecord> rounds_of(const WorkerResult& result, bool per_item) {
  std::vector<report::RoundRecord> rounds;
  const double scale =
      per_item ? 1.0 / static_cast<double>(std::max<std::int64_t>(1, result.batch * result.calls_per_sample)) : 1.0;
  std::size_t offset = 0;
  for (std::size_t r = 0; r < result.round_sizes.size(); ++r) {
    const auto size = static_cast<std::size_t>(std::max<std::int64_t>(0, result.round_sizes[r]));
    if (offset + size > result.samples_ms.size()) break;
    report::RoundRecord round;
    round.process = r < result.round_processes.size() ? result.round_processes[r] : 0;
    for (std::size_t i = offset; i < offset + size; ++i) round.samples.push_back(result.samples_ms[i] * scale);
    rounds.push_back(std::move(round));
    offset += size;
  }
  return rounds;
}

}  // namespace tb::tune
