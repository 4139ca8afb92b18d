#pragma once
// What `tune` optimizes and what a candidate must satisfy: the objective's cost of a measured
// candidate, the constraints (accuracy against the baseline, p99 latency, peak memory), the
// survivors of a rung and the Pareto front. Pure functions, unit-tested.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gates.hpp"
#include "report/report.hpp"
#include "report/report_reader.hpp"

namespace tb::tune {

enum class Objective {
  latency_p50,  // median milliseconds per call
  latency_p99,  // 99th percentile milliseconds per call
  throughput,   // items per second (batch × calls / time): meaningful with batch in the space
};

std::string_view to_string(Objective objective);
// "latency-p50" | "latency-p99" | "throughput"; throws UsageError with a did-you-mean.
Objective parse_objective(std::string_view text);

struct Constraints {
  std::vector<GateRule> accuracy;                   // --max-abs-err, --max-rel-err, --min-cosine (every candidate)
  std::optional<double> latency_budget_ms;          // --latency-budget: on p99 per call
  std::optional<std::int64_t> memory_budget_bytes;  // --memory-budget: peak RSS of the worker
};

// The objective as a cost (lower is better): ms per call (latency), ms per item (throughput).
// Nullopt without samples.
std::optional<double> objective_cost(Objective objective, const WorkerResult& result);

// The objective's value as people read it: ms for latency, items/s for throughput.
double objective_value(Objective objective, double cost);

// How a candidate did in one rung, against the baseline measured in the same batch.
struct Evaluation {
  bool feasible = false;
  std::string fate;    // feasible: "ok"; else "failed", "skipped" or "infeasible"
  std::string reason;  // why not feasible: "constraint: ...", the failure, the skip reason
  double cost = 0;           // objective_cost
  double baseline_cost = 0;  // the baseline's in the same batch (0 when it has none)
  double score = 0;          // cost / baseline_cost (cost when the baseline has none): the rank
  double latency_vs_baseline = 0;     // median per call / the baseline's (0 without one)
  double throughput_vs_baseline = 0;  // items/s / the baseline's (0 without one)
};

// A short measurement's p99 is mostly its slowest sample: before the final rung, the latency
// budget only drops a candidate whose median is already above it; the final rung (and the
// grid's first) checks the p99 itself.
enum class BudgetCheck { median, p99 };

// Checks one candidate's outcome: failed or skipped, then the constraints (accuracy gates
// against the baseline, peak RSS, latency), then its cost and score.
Evaluation evaluate(const report::VariantOutcome& candidate, const report::VariantOutcome& baseline,
                    Objective objective, const Constraints& constraints, BudgetCheck latency_check);

// The indices of the `keep` lowest scores, best first; a score equal to the last one kept
// is kept as well (a tie at the cut is not broken by chance). Equal scores keep their input
// order. All of them when keep >= scores.size().
std::vector<std::size_t> select_survivors(const std::vector<double>& scores, std::size_t keep);

// One candidate on the three axes of the front, relative to its batch's baseline so that
// candidates measured in different batches are comparable.
struct ParetoPoint {
  double latency = 0;             // median per call / the baseline's (lower is better)
  double throughput = 0;          // items/s / the baseline's (higher is better)
  std::optional<double> cosine;   // against the baseline's outputs (higher is better); none counts as 1
};

// The indices of the points no other point dominates (as good on every axis and better on
// one), in input order.
std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points);

// The rounds of a result with the process that measured each: per call, or per item
// (divided by batch × calls per sample) when `per_item`.
std::vector<report::RoundRecord> rounds_of(const WorkerResult& result, bool per_item);

}  // namespace tb::tune
