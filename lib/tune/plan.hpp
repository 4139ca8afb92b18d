#pragma once
// How long `tune` measures what: the rungs of successive halving (or the grid), sized so the
// whole search fits the time budget. Pure functions of counts and measured costs.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tb::tune {

enum class Strategy { halving, grid };

std::string_view to_string(Strategy strategy);
// "halving" / "grid"; throws UsageError.
Strategy parse_strategy(std::string_view text);

// Rounds of every rung but the final one: enough for the per-round order to shuffle, few
// enough that a short measurement still gets a sample per round.
inline constexpr std::int64_t kRungRounds = 3;
// Rounds per process in the final rung (the paired comparison works on them).
inline constexpr std::int64_t kFinalRoundsPerProcess = 4;

struct PlanSettings {
  double budget_seconds = 600;         // what is left of --budget
  double startup_seconds = 2;          // per worker process: start, load, passes, first call, warm-up, finish
  double min_round_seconds = 0.02;     // measured time of one candidate in one round, at least
  std::size_t eta = 3;                 // keep 1/eta per rung; the final rung has at most eta
  std::size_t workers = 4;             // candidates per batch (one measure call), the baseline besides
  std::int64_t final_processes = 3;    // worker processes per candidate in the final rung
};

struct Rung {
  std::size_t candidates = 0;         // measured in this rung
  std::size_t batches = 0;            // measure calls, each with the baseline
  double seconds_per_candidate = 0;   // measured time of each job (the baseline's too)
  std::int64_t rounds = kRungRounds;
  std::int64_t processes = 1;
  std::size_t keep = 0;               // how many go on to the next rung (0 in the final rung)
  bool final = false;                 // all in one batch, several processes, compared pairwise
  double estimated_seconds = 0;
};

struct Plan {
  std::vector<Rung> rungs;
  double estimated_seconds = 0;  // with the measured time sized to the budget
  double minimum_seconds = 0;    // with every rung at its shortest
  bool fits = false;             // minimum_seconds <= budget
};

// What a rung costs: each job (its candidates, and the baseline once per batch) pays its
// processes' startups plus its measured time, one job at a time.
double estimate_seconds(const Rung& rung, double startup_seconds);

// Rung sizes of successive halving for n candidates: n, ceil(n/eta), ... down to the first
// size at most eta, the final rung ({n} when n <= eta).
std::vector<std::size_t> halving_sizes(std::size_t n, std::size_t eta);

// Successive halving: rung k measures its candidates eta^k times as long as rung 0, in
// batches of `workers` plus the baseline; the final rung measures its candidates (at most
// eta) in one batch with final_processes processes. Rung 0's time is what makes the
// estimate equal the budget (the estimate: every job costs its processes' startups plus
// its measured time, one job at a time).
Plan plan_halving(std::size_t n, const PlanSettings& settings);

// The grid: every candidate with the same measured time, then the best min(eta, n) again in
// a final rung of the same time per candidate, sized to the budget.
Plan plan_grid(std::size_t n, const PlanSettings& settings);

}  // namespace tb::tune
