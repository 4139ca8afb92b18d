#include "tune/plan.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb::tune {
namespace {

std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

std::int64_t final_rounds(const PlanSettings& s) { return s.final_processes * kFinalRoundsPerProcess; }

double rung_seconds(const Rung& rung, const PlanSettings& s) { return estimate_seconds(rung, s.startup_seconds); }

Rung final_rung(std::size_t candidates, const PlanSettings& s) {
  Rung rung;
  rung.candidates = candidates;
  rung.batches = 1;
  rung.rounds = final_rounds(s);
  rung.processes = s.final_processes;
  rung.final = true;
  return rung;
}

Rung early_rung(std::size_t candidates, std::size_t keep, const PlanSettings& s) {
  Rung rung;
  rung.candidates = candidates;
  rung.batches = ceil_div(candidates, std::max<std::size_t>(1, s.workers));
  rung.keep = keep;
  return rung;
}

// rungs[k].seconds_per_candidate = base * factor[k]; picks base so the plan fills the budget,
// never below the shortest measurement each rung allows.
Plan size_to_budget(std::vector<Rung> rungs, const std::vector<double>& factor, const PlanSettings& s) {
  double fixed = 0, per_base = 0, min_base = 0;
  for (std::size_t k = 0; k < rungs.size(); ++k) {
    auto& rung = rungs[k];
    rung.seconds_per_candidate = 0;
    fixed += rung_seconds(rung, s);
    per_base += static_cast<double>(rung.candidates + rung.batches) * factor[k];
    min_base = std::max(min_base, static_cast<double>(rung.rounds) * s.min_round_seconds / factor[k]);
  }
  Plan plan;
  plan.minimum_seconds = fixed + min_base * per_base;
  plan.fits = plan.minimum_seconds <= s.budget_seconds;
  const double base = std::max(min_base, (s.budget_seconds - fixed) / per_base);
  for (std::size_t k = 0; k < rungs.size(); ++k) {
    rungs[k].seconds_per_candidate = base * factor[k];
    rungs[k].estimated_seconds = rung_seconds(rungs[k], s);
    plan.estimated_seconds += rungs[k].estimated_seconds;
  }
  plan.rungs = std::move(rungs);
  return plan;
}

}  // namespace

double estimate_seconds(const Rung& rung, double startup_seconds) {
  const auto jobs = static_cast<double>(rung.candidates + rung.batches);
  return jobs * (static_cast<double>(rung.processes) * startup_seconds + rung.seconds_per_candidate);
}

std::string_view to_string(Strategy strategy) { return strategy == Strategy::halving ? "halving" : "grid"; }

Strategy parse_strategy(std::string_view text) {
  if (text == "halving") return Strategy::halving;
  if (text == "grid") return Strategy::grid;
  const std::vector<std::string_view> names = {"halving", "grid"};
  throw UsageError("--strategy must be halving or grid (got '" + std::string(text) + "'" + did_you_mean(text, names) +
                   ")");
}

std::vector<std::size_t> halving_sizes(std::size_t n, std::size_t eta) {
  std::vector<std::size_t> sizes = {n};
  eta = std::max<std::size_t>(2, eta);
  while (sizes.back() > eta) sizes.push_back(ceil_div(sizes.back(), eta));
  return sizes;
}

Plan plan_halving(std::size_t n, const PlanSettings& s) {
  if (n == 0) return Plan{{}, 0, 0, true};
  const auto sizes = halving_sizes(n, s.eta);
  std::vector<Rung> rungs;
  std::vector<double> factor;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const bool last = k + 1 == sizes.size();
    rungs.push_back(last ? final_rung(sizes[k], s) : early_rung(sizes[k], sizes[k + 1], s));
    factor.push_back(std::pow(static_cast<double>(s.eta), static_cast<double>(k)));
  }
  return size_to_budget(std::move(rungs), factor, s);
}

Plan plan_grid(std::size_t n, const PlanSettings& s) {
  if (n <= s.eta) return plan_halving(n, s);
  std::vector<Rung> rungs = {early_rung(n, s.eta, s), final_rung(s.eta, s)};
  return size_to_budget(std::move(rungs), {1.0, 1.0}, s);
}

}  // namespace tb::tune
