#include "tune/search.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "util/duration.hpp"
#include "util/errors.hpp"
#include "util/statistics.hpp"

namespace tb::tune {
namespace {

double measured_seconds(const report::VariantOutcome& o) {
  if (!o.result) return 0;
  return std::accumulate(o.result->samples_ms.begin(), o.result->samples_ms.end(), 0.0) / 1000.0;
}

std::string describe_score(double score) { return fmt::format("{:.3f}x the baseline", score); }

class Search {
 public:
  Search(const std::vector<Candidate>& candidates, const SearchSettings& settings, const SearchHooks& hooks)
      : s_(settings), hooks_(hooks) {
    for (const auto& c : candidates) {
      CandidateRecord record;
      record.candidate = c;
      result_.candidates.push_back(std::move(record));
    }
  }

  TuneResult run() {
    start_ = hooks_.now();
    calibrate();
    std::vector<std::size_t> survivors(result_.candidates.size());
    std::iota(survivors.begin(), survivors.end(), 0);
    bool decided = false;
    for (int rung = 0; !survivors.empty() && result_.stopped.empty(); ++rung) {
      auto plan = plan_for(survivors.size(), rung);
      std::string note;
      if (!plan.fits) {
        if (rung == 0) throw_budget_too_small(plan);
        // Too little left for the remaining rungs: the best so far go straight to the final.
        survivors.resize(std::min(survivors.size(), s_.eta));
        plan = plan_halving(survivors.size(), plan_settings());
        note = "the budget left no time for the rungs in between: the best " + std::to_string(survivors.size()) +
               " went straight to the final comparison";
        if (!plan.fits) {
          result_.stopped = "budget";
          progress("budget: " + format_duration(remaining()) + " left is too little for a final comparison; "
                   "stopping with the best so far");
          break;
        }
      }
      auto rung_plan = plan.rungs.front();
      if (s_.strategy == Strategy::grid && rung > 0 && !result_.rungs.empty()) {
        // The grid's finalists are measured as long as every candidate was, not longer with the
        // time the plan kept in reserve.
        rung_plan.seconds_per_candidate =
            std::min(rung_plan.seconds_per_candidate, result_.rungs.front().plan.seconds_per_candidate);
        rung_plan.estimated_seconds = estimate_seconds(rung_plan, startup_seconds());
      }
      measure_rung(rung, rung_plan, survivors, note);
      if (!result_.stopped.empty()) break;
      survivors = close_rung(rung, rung_plan, survivors);
      if (rung_plan.final) {
        decide(survivors);
        decided = true;
        break;
      }
    }
    if (!decided) best_so_far();
    mark_pareto();
    result_.startup_seconds = startup_seconds();
    result_.elapsed_seconds = hooks_.now() - start_;
    return std::move(result_);
  }

 private:
  double remaining() const { return s_.budget_seconds - (hooks_.now() - start_); }

  PlanSettings plan_settings() const {
    return PlanSettings{.budget_seconds = kPlanShare * remaining(),
                        .startup_seconds = startup_seconds(),
                        .min_round_seconds = min_round_seconds_,
                        .eta = s_.eta,
                        .workers = s_.workers,
                        .final_processes = s_.final_processes};
  }

  Plan plan_for(std::size_t n, int rung) const {
    return s_.strategy == Strategy::grid && rung == 0 ? plan_grid(n, plan_settings())
                                                       : plan_halving(n, plan_settings());
  }

  double startup_seconds() const { return startups_ > 0 ? std::max(0.01, overhead_ / startups_) : 2.0; }

  [[noreturn]] void throw_budget_too_small(const Plan& plan) const {
    const double needed = plan.minimum_seconds / kPlanShare + (hooks_.now() - start_);
    throw UsageError(fmt::format(
        "--budget {} is too small for {} candidates ({}, eta {}): it needs at least {} here, where a worker "
        "takes {} to start; raise --budget or narrow the space (--space, --fixed)",
        format_duration(s_.budget_seconds), result_.candidates.size(), to_string(s_.strategy), s_.eta,
        format_duration(needed), format_duration(startup_seconds())));
  }

  std::vector<report::VariantOutcome> measure(BatchRequest request) {
    const double began = hooks_.now();
    auto outcomes = hooks_.measure(request);
    const double wall = hooks_.now() - began;
    double measured = 0;
    std::size_t started = 0;  // jobs that got as far as measuring: a job that fails early costs less
    for (auto& o : outcomes) {
      measured += measured_seconds(o);
      started += o.status == "ok" || (o.result && !o.result->samples_ms.empty());
      o.round_group = request.group;
    }
    overhead_ += std::max(0.0, wall - measured);
    startups_ += static_cast<double>(started * static_cast<std::size_t>(request.schedule.processes));
    return outcomes;
  }

  void calibrate() {
    BatchRequest request;
    request.group = next_group_++;
    request.timing = rung_timing(s_.timing, kCalibrationSeconds, 1);
    request.schedule.rounds = 1;
    auto outcomes = measure(request);
    const auto& base = outcomes.front();
    if (base.status != "ok" || !base.result || base.result->samples_ms.empty()) {
      if (hooks_.interrupted && hooks_.interrupted()) {
        result_.stopped = "interrupted";
        return;
      }
      throw ModelError("the baseline failed, so nothing can be compared with it: " + base.error);
    }
    const double median_seconds = summarize(base.result->samples_ms).median / 1000.0;
    min_round_seconds_ = std::max(kMinRoundSeconds, kMinRoundCalls * median_seconds);
    progress(fmt::format("calibration: the baseline takes {} per call; a worker takes {} to start",
                         format_duration(median_seconds), format_duration(startup_seconds())));
    result_.baseline = base;
  }

  void measure_rung(int index, const Rung& plan, const std::vector<std::size_t>& survivors, std::string note) {
    RungRecord rung;
    rung.index = index;
    rung.plan = plan;
    rung.timing = rung_timing(s_.timing, plan.seconds_per_candidate, plan.rounds);
    rung.schedule.rounds = plan.rounds;
    rung.schedule.processes = plan.processes;
    rung.note = std::move(note);
    const double began = hooks_.now();
    progress(fmt::format("{}: {} candidate{}, {} each{}, {} batch{} (estimated {} of {} left)", rung_name(index, plan),
                         plan.candidates, plan.candidates == 1 ? "" : "s", format_duration(plan.seconds_per_candidate),
                         plan.processes > 1 ? fmt::format(" in {} processes", plan.processes) : "", plan.batches,
                         plan.batches == 1 ? "" : "es", format_duration(plan.estimated_seconds),
                         format_duration(remaining())));
    const std::size_t per_batch = plan.final ? survivors.size() : std::max<std::size_t>(1, s_.workers);
    for (std::size_t first = 0; first < survivors.size(); first += per_batch) {
      if (hooks_.interrupted && hooks_.interrupted()) {
        result_.stopped = "interrupted";
        break;
      }
      if (first > 0 && remaining() <= 0) {
        result_.stopped = "budget";
        progress("budget: the time ran out in " + rung_name(index, plan) + "; stopping with the best so far");
        break;
      }
      BatchRequest request{index, next_group_++, {}, rung.timing, rung.schedule};
      const auto last = std::min(survivors.size(), first + per_batch);
      request.candidates.assign(survivors.begin() + static_cast<std::ptrdiff_t>(first),
                                survivors.begin() + static_cast<std::ptrdiff_t>(last));
      auto outcomes = measure(request);
      result_.baseline = outcomes.front();
      rung.groups.push_back(request.group);
      const auto check = plan.final || (s_.strategy == Strategy::grid && index == 0) ? BudgetCheck::p99
                                                                                      : BudgetCheck::median;
      for (std::size_t j = 0; j < request.candidates.size() && j + 1 < outcomes.size(); ++j) {
        auto& record = result_.candidates[request.candidates[j]];
        record.outcome = std::move(outcomes[j + 1]);
        record.rung = index;
        record.evaluation = evaluate(*record.outcome, outcomes.front(), s_.objective, s_.constraints, check);
        rung.candidates.push_back(request.candidates[j]);
        const auto& e = record.evaluation;
        progress(fmt::format("{} [{}/{}] {}: {}", rung_name(index, plan), rung.candidates.size(), plan.candidates,
                             record.candidate.name, e.feasible ? describe_score(e.score) : e.fate + ": " + e.reason));
      }
      if (hooks_.interrupted && hooks_.interrupted()) result_.stopped = "interrupted";
    }
    rung.wall_seconds = hooks_.now() - began;
    result_.rungs.push_back(std::move(rung));
  }

  static std::string rung_name(int index, const Rung& plan) {
    return plan.final ? "final" : "rung " + std::to_string(index);
  }

  // Records the failed and infeasible; returns the feasible candidates of the rung that go on
  // (the final rung: all feasible ones), best first.
  std::vector<std::size_t> close_rung(int index, const Rung& plan, const std::vector<std::size_t>& measured) {
    std::vector<std::size_t> feasible;
    std::vector<double> scores;
    for (const auto i : measured) {
      auto& record = result_.candidates[i];
      const auto& e = record.evaluation;
      if (e.feasible) {
        feasible.push_back(i);
        scores.push_back(e.score);
        continue;
      }
      record.fate = e.fate == "failed" ? Fate::failed : e.fate == "skipped" ? Fate::skipped : Fate::infeasible;
      record.reason = e.reason;
    }
    const auto keep = plan.final ? feasible.size() : plan.keep;
    const auto order = select_survivors(scores, keep);
    std::vector<std::size_t> survivors;
    for (const auto k : order) survivors.push_back(feasible[k]);
    std::vector<std::size_t> ranked = select_survivors(scores, scores.size());
    for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
      const auto i = feasible[ranked[rank]];
      if (std::find(survivors.begin(), survivors.end(), i) != survivors.end()) continue;
      auto& record = result_.candidates[i];
      record.fate = Fate::eliminated;
      record.reason = fmt::format("eliminated at rung {}: rank {} of {} ({}), {} kept", index, rank + 1,
                                  ranked.size(), describe_score(record.evaluation.score), survivors.size());
    }
    result_.rungs.back().kept = plan.final ? 0 : survivors.size();
    if (!plan.final) {
      progress(fmt::format("rung {}: kept {} of {} feasible ({} measured)", index, survivors.size(), feasible.size(),
                           measured.size()));
    }
    return survivors;
  }

  void decide(const std::vector<std::size_t>& finalists) {
    std::vector<Finalist> inputs;
    for (const auto i : finalists) {
      const auto& record = result_.candidates[i];
      inputs.push_back({i, record.evaluation.score,
                        rounds_of(*record.outcome->result, s_.objective == Objective::throughput)});
    }
    const auto decision = decide_final(inputs, s_.objective, s_.verdict);
    result_.winner = decision.winner;
    result_.tied = decision.tied;
    result_.comparisons = decision.comparisons;
    result_.confirmed = decision.winner.has_value();
    for (const auto i : finalists) {
      auto& record = result_.candidates[i];
      if (decision.winner == i) {
        record.fate = Fate::winner;
      } else if (std::find(decision.tied.begin(), decision.tied.end(), i) != decision.tied.end()) {
        record.fate = Fate::tied;
        record.reason = "tied with the winner: " + reason_against_winner(i);
      } else {
        record.fate = Fate::finalist;
        record.reason = "significantly worse than the winner: " + reason_against_winner(i);
      }
    }
  }

  std::string reason_against_winner(std::size_t i) const {
    for (const auto& c : result_.comparisons) {
      if ((c.base == *result_.winner && c.candidate == i) || (c.base == i && c.candidate == *result_.winner)) {
        return std::string(compare::to_string(c.verdict.verdict)) + ", " + c.verdict.reason;
      }
    }
    return "not compared";
  }

  // The search stopped before its final comparison: the best feasible candidate still in the
  // running (by its last score) is reported, unconfirmed.
  void best_so_far() {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < result_.candidates.size(); ++i) {
      auto& record = result_.candidates[i];
      if (record.fate != Fate::unmeasured || record.rung < 0) continue;
      if (!record.evaluation.feasible) {
        record.fate = record.evaluation.fate == "failed"    ? Fate::failed
                      : record.evaluation.fate == "skipped" ? Fate::skipped
                                                            : Fate::infeasible;
        record.reason = record.evaluation.reason;
        continue;
      }
      record.fate = Fate::unfinished;
      record.reason = "the search stopped (" + result_.stopped + ") before deciding";
      if (!best || record.evaluation.score < result_.candidates[*best].evaluation.score) best = i;
    }
    if (best) {
      result_.winner = best;
      result_.candidates[*best].fate = Fate::winner;
      result_.candidates[*best].reason = "";
    }
  }

  void mark_pareto() {
    std::vector<ParetoPoint> points;
    std::vector<std::size_t> owners;
    for (std::size_t i = 0; i < result_.candidates.size(); ++i) {
      const auto& record = result_.candidates[i];
      const auto& e = record.evaluation;
      if (!e.feasible || record.rung < 0 || !(e.latency_vs_baseline > 0)) continue;
      const auto& accuracy = record.outcome->result->accuracy;
      points.push_back({e.latency_vs_baseline, e.throughput_vs_baseline,
                        accuracy && !accuracy->non_finite ? std::optional<double>(accuracy->cosine) : std::nullopt});
      owners.push_back(i);
    }
    for (const auto k : pareto_front(points)) result_.candidates[owners[k]].pareto = true;
  }

  void progress(const std::string& line) const {
    if (hooks_.progress) hooks_.progress(line);
  }

  const SearchSettings& s_;
  const SearchHooks& hooks_;
  TuneResult result_;
  double start_ = 0;
  double overhead_ = 0;   // wall time of the batches not spent measuring
  double startups_ = 0;   // worker processes started in them
  double min_round_seconds_ = kMinRoundSeconds;
  std::int64_t next_group_ = 0;
};

}  // namespace

std::string_view to_string(Fate fate) {
  switch (fate) {
    case Fate::winner: return "winner";
    case Fate::tied: return "tied";
    case Fate::finalist: return "finalist";
    case Fate::eliminated: return "eliminated";
    case Fate::infeasible: return "infeasible";
    case Fate::failed: return "failed";
    case Fate::skipped: return "skipped";
    case Fate::unfinished: return "unfinished";
    case Fate::unmeasured: return "unmeasured";
  }
  return "";
}

const RungRecord* TuneResult::winner_rung() const {
  if (!winner) return nullptr;
  const int rung = candidates[*winner].rung;
  for (const auto& r : rungs) {
    if (r.index == rung) return &r;
  }
  return nullptr;
}

TimingOptions rung_timing(const TimingOptions& base, double seconds, std::int64_t rounds) {
  TimingOptions t = base;
  t.min_seconds = seconds;
  // The maximum also bounds the warm-up (core/timing_options.hpp): a short rung must not cut
  // the warm-up before the graph executor has specialized the model. Each round still ends at
  // its share of the minimum once it has a sample.
  t.max_seconds = seconds + kWarmupAllowance;
  t.min_iters = std::max<std::int64_t>(1, rounds);
  t.max_iters = std::max<std::int64_t>(t.min_iters, 1'000'000);
  return t;
}

TuneResult search(const std::vector<Candidate>& candidates, const SearchSettings& settings, const SearchHooks& hooks) {
  return Search(candidates, settings, hooks).run();
}

}  // namespace tb::tune
