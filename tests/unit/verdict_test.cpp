// The A/B decision rule (compare/verdict.hpp) on hand-made intervals and on synthetic samples.
#include <algorithm>
#include <vector>

#include "catch.hpp"
#include "compare/verdict.hpp"
#include "sample_reports.hpp"

using tb::compare::Verdict;

namespace {

Verdict decide(double estimate, double low, double high, double p) {
  return tb::compare::decide({estimate, low, high}, p, tb::compare::VerdictOptions{});
}

}  // namespace

TEST_CASE("decide: the rule with the default alpha 0.01 and threshold 5%", "[verdict]") {
  // slower: significant, CI above 1, estimate at or past 1 + 5%/2.
  CHECK(decide(1.06, 1.05, 1.07, 1e-9) == Verdict::slower);
  CHECK(decide(1.03, 1.01, 1.05, 1e-4) == Verdict::slower);  // a 5% slowdown measured low still counts
  CHECK(decide(1.025, 1.02, 1.03, 1e-4) == Verdict::slower);
  // faster mirrors it in ratio space: 1 / 1.025.
  CHECK(decide(0.95, 0.94, 0.96, 1e-9) == Verdict::faster);
  CHECK(decide(0.97, 0.96, 0.98, 1e-4) == Verdict::faster);
  // Past half the threshold, but not significant, or the CI includes 1: not slower.
  CHECK(decide(1.03, 1.01, 1.05, 0.02) == Verdict::same);  // and the CI stays within ±5%
  CHECK(decide(1.04, 0.99, 1.09, 0.02) == Verdict::inconclusive);
  CHECK(decide(1.04, 0.99, 1.09, 1e-4) == Verdict::inconclusive);
  // Significant but small: same when the CI rules out a 5% change.
  CHECK(decide(1.02, 1.015, 1.025, 1e-9) == Verdict::same);
  CHECK(decide(0.99, 0.985, 0.995, 1e-9) == Verdict::same);
  // Significant, small, but the CI reaches past the band: inconclusive.
  CHECK(decide(1.02, 1.001, 1.06, 1e-3) == Verdict::inconclusive);
  // Noisy: wide CI, no significance.
  CHECK(decide(1.0, 0.9, 1.1, 0.8) == Verdict::inconclusive);
  // Nothing measured.
  CHECK(decide(0, 0, 0, 1) == Verdict::inconclusive);
}

TEST_CASE("decide: the band edges and the options", "[verdict]") {
  tb::compare::VerdictOptions o;
  CHECK(tb::compare::decide({1.0, 1 / 1.05, 1.05}, 0.5, o) == Verdict::same);  // edges are inside
  CHECK(tb::compare::decide({1.0, 0.95, 1.05}, 0.5, o) == Verdict::inconclusive);  // 0.95 < 1/1.05
  o.threshold = 0.10;
  CHECK(tb::compare::decide({1.04, 1.03, 1.05}, 1e-6, o) == Verdict::same);  // below 1 + 10%/2
  CHECK(tb::compare::decide({1.06, 1.05, 1.07}, 1e-6, o) == Verdict::slower);
  o.alpha = 1e-8;
  CHECK(tb::compare::decide({1.06, 1.05, 1.07}, 1e-6, o) == Verdict::same);  // not significant, CI in ±10%
}

TEST_CASE("decide: the reason says why", "[verdict]") {
  std::string reason;
  tb::compare::decide({1.06, 1.05, 1.07}, 1e-9, {}, &reason);
  CHECK_THAT(reason, tbtest::contains("+6.0% is past half the 5% threshold"));
  tb::compare::decide({1.0, 0.9, 1.1}, 0.8, {}, &reason);
  CHECK_THAT(reason, tbtest::contains("99% CI -10.0%..+10.0% reaches past ±5%"));
  CHECK_THAT(reason, tbtest::contains("p 0.8 >= 0.01"));
  tb::compare::decide({1.01, 1.0, 1.02}, 0.5, {}, &reason);
  CHECK_THAT(reason, tbtest::contains("within ±5%"));
}

TEST_CASE("compare_samples: identical, slower, faster, noisy", "[verdict]") {
  const auto base = tbtest::latency_samples(400, 5.0, 1);
  const tb::compare::VerdictOptions o;

  const auto same = tb::compare::compare_samples(base, base, o);
  CHECK(same.verdict == Verdict::same);
  CHECK(same.ratio.estimate == 1.0);
  CHECK(same.test.p_value == 1.0);

  auto slower = base;
  for (auto& x : slower) x *= 1.10;
  const auto s = tb::compare::compare_samples(base, slower, o);
  CHECK(s.verdict == Verdict::slower);
  CHECK(s.ratio.low > 1.0);
  CHECK(s.test.z > 0);  // new is larger

  auto faster = base;
  for (auto& x : faster) x *= 0.9;
  CHECK(tb::compare::compare_samples(base, faster, o).verdict == Verdict::faster);

  // An independent sample of the same distribution: no verdict of change.
  const auto again = tbtest::latency_samples(400, 5.0, 2);
  const auto aa = tb::compare::compare_samples(base, again, o);
  CHECK(aa.verdict == Verdict::same);

  // Five samples each, 3% apart, 20% noise: the data cannot tell.
  const std::vector<double> few_base = {5.0, 6.1, 4.2, 5.5, 4.8};
  const std::vector<double> few_new = {5.2, 6.2, 4.3, 5.6, 5.0};
  CHECK(tb::compare::compare_samples(few_base, few_new, o).verdict == Verdict::inconclusive);

  const std::vector<double> none;
  const auto empty = tb::compare::compare_samples(none, base, o);
  CHECK(empty.verdict == Verdict::inconclusive);
  CHECK(empty.reason == "no samples");
}

TEST_CASE("format_change", "[verdict]") {
  CHECK(tb::compare::format_change(1.052) == "+5.2%");
  CHECK(tb::compare::format_change(0.969) == "-3.1%");
  CHECK(tb::compare::format_change(1.0) == "+0.0%");
}

namespace {

// One group of samples per process, each process with its own bias (its luck with memory
// layout and caches) on top of the sample noise.
std::vector<std::vector<double>> processes(const std::vector<double>& biases, double median_ms, std::uint64_t seed) {
  std::vector<std::vector<double>> groups;
  for (const double bias : biases) groups.push_back(tbtest::latency_samples(400, median_ms * bias, seed++));
  return groups;
}

}  // namespace

TEST_CASE("compare_processes: a process's own bias is not a change", "[verdict]") {
  const tb::compare::VerdictOptions o;
  const auto base = processes({0.97, 1.01, 0.99, 1.02, 0.98}, 5.0, 10);
  const auto same = processes({1.03, 0.99, 1.00, 0.97, 1.02}, 5.0, 20);
  const auto v = tb::compare::compare_processes(base, same, o);
  CHECK(v.method == tb::compare::Method::processes);
  CHECK(v.base_processes == 5);
  CHECK(v.candidate_processes == 5);
  CHECK(v.verdict != Verdict::slower);
  CHECK(v.verdict != Verdict::faster);
  CHECK(v.ratio.low < 1.0);
  CHECK(v.ratio.high > 1.0);
  CHECK_THAT(v.reason, tbtest::contains("(5 vs 5 processes)"));
  // The first process of each side alone: thousands of samples make a 6% bias "significant".
  const auto one = tb::compare::compare_samples(base[0], same[0], o);
  CHECK(one.verdict == Verdict::slower);
}

TEST_CASE("compare_processes: a change in every process is found", "[verdict]") {
  const tb::compare::VerdictOptions o;
  const std::vector<double> biases = {0.99, 1.01, 1.0, 0.995, 1.005};
  const auto base = processes(biases, 5.0, 30);
  const auto slower = processes(biases, 5.0 * 1.06, 40);
  const auto v = tb::compare::compare_processes(base, slower, o);
  CHECK(v.verdict == Verdict::slower);
  CHECK(v.ratio.low > 1.0);
  CHECK_THAT(v.ratio.estimate, Catch::Matchers::WithinRel(1.06, 0.01));
  CHECK(v.p_value < o.alpha);
  const auto faster = tb::compare::compare_processes(slower, base, o);
  CHECK(faster.verdict == Verdict::faster);
  CHECK_THAT(faster.p_value, Catch::Matchers::WithinRel(v.p_value, 1e-9));
}

TEST_CASE("compare_processes: one process a side falls back to the samples", "[verdict]") {
  const tb::compare::VerdictOptions o;
  const auto base = processes({1.0}, 5.0, 50);
  const auto many = processes({1.0, 1.0, 1.0}, 5.0, 60);
  const auto v = tb::compare::compare_processes(base, many, o);
  CHECK(v.method == tb::compare::Method::samples);
  CHECK(v.base_processes == 1);
  CHECK(v.candidate_processes == 3);
  // The pooled samples of the three processes, against the one.
  std::vector<double> pooled;
  for (const auto& g : many) pooled.insert(pooled.end(), g.begin(), g.end());
  const auto direct = tb::compare::compare_samples(base[0], pooled, o);
  CHECK(v.ratio.estimate == direct.ratio.estimate);
  CHECK(v.p_value == direct.p_value);
  // Empty groups are not processes.
  const auto with_empty = tb::compare::compare_processes({base[0], {}}, many, o);
  CHECK(with_empty.method == tb::compare::Method::samples);
  CHECK(with_empty.base_processes == 1);
  CHECK(tb::compare::to_string(tb::compare::Method::processes) == "processes");
}

namespace {

// An interleaved run: `rounds` rounds split over `states.size()` processes; round r of both
// sides ran while the machine was in state states[process] (a speed factor shared by both),
// and the candidate is `change` slower. A round whose index is in `straddle` saw the machine
// change state between the two sides' turns (only the candidate's turn was slowed by 10%).
struct Interleaved {
  std::vector<tb::report::RoundRecord> base, candidate;
};

Interleaved interleaved(const std::vector<double>& states, int rounds_per_process, double change,
                        std::uint64_t seed, const std::vector<int>& straddle = {}) {
  Interleaved run;
  int r = 0;
  for (std::size_t p = 0; p < states.size(); ++p) {
    for (int i = 0; i < rounds_per_process; ++i, ++r) {
      const bool straddles = std::find(straddle.begin(), straddle.end(), r) != straddle.end();
      const auto process = static_cast<std::int64_t>(p);
      run.base.push_back({process, tbtest::latency_samples(100, 0.5 * states[p], seed++)});
      run.candidate.push_back(
          {process, tbtest::latency_samples(100, 0.5 * states[p] * change * (straddles ? 1.1 : 1.0), seed++)});
    }
  }
  return run;
}

}  // namespace

TEST_CASE("compare_paired: a machine state shared by both sides cancels", "[verdict]") {
  const tb::compare::VerdictOptions o;
  // Two processes in the fast state, three 10% slower: unpaired, the 3% change is lost in it.
  const std::vector<double> states = {1.0, 1.0, 1.1, 1.1, 1.1};
  const auto run = interleaved(states, 4, 1.03, 100);
  const auto paired = tb::compare::compare_paired(run.base, run.candidate, o);
  CHECK(paired.method == tb::compare::Method::paired);
  CHECK(paired.base_processes == 5);
  CHECK(paired.paired_rounds == 20);
  CHECK(paired.verdict == Verdict::slower);
  CHECK(paired.ratio.low > 1.01);
  CHECK(paired.ratio.high < 1.05);
  CHECK_THAT(paired.reason, tbtest::contains("20 rounds paired in 5 processes"));

  const auto unpaired = tb::compare::compare_processes(tb::report::samples_by_process(run.base),
                                                       tb::report::samples_by_process(run.candidate), o);
  CHECK(unpaired.verdict == Verdict::inconclusive);

  const auto aa = interleaved(states, 4, 1.0, 200);
  const auto same = tb::compare::compare_paired(aa.base, aa.candidate, o);
  CHECK(same.verdict == Verdict::same);
  CHECK(tb::compare::to_string(tb::compare::Method::paired) == "paired");
}

TEST_CASE("compare_paired: a round that straddles a change of state is outvoted", "[verdict]") {
  const tb::compare::VerdictOptions o;
  const std::vector<double> states = {1.0, 1.0, 1.0, 1.1, 1.1};
  // Round 10 (process 2) caught the switch: +10% on one side for that round only.
  const auto run = interleaved(states, 4, 1.0, 300, {10});
  const auto v = tb::compare::compare_paired(run.base, run.candidate, o);
  CHECK(v.verdict == Verdict::same);
  CHECK(v.ratio.high < 1.02);
}

TEST_CASE("compare_paired: pairs only while the schedules agree, else falls back", "[verdict]") {
  const tb::compare::VerdictOptions o;
  auto run = interleaved({1.0, 1.0, 1.0}, 2, 1.0, 400);
  // The candidate stopped early (adaptive stopping) after process 1's rounds: two processes pair.
  auto shorter = run.candidate;
  shorter.resize(4);
  const auto v = tb::compare::compare_paired(run.base, shorter, o);
  CHECK(v.method == tb::compare::Method::paired);
  CHECK(v.paired_rounds == 4);
  CHECK(v.base_processes == 2);
  // Schedules that part at the first round (process numbers differ): no pairs, and the
  // per-process comparison decides instead.
  auto misaligned = run.candidate;
  for (auto& round : misaligned) round.process = 2 - round.process;
  const auto fallback = tb::compare::compare_paired(run.base, misaligned, o);
  CHECK(fallback.method == tb::compare::Method::processes);
  CHECK(fallback.paired_rounds == 0);
  // One process a side: nothing to pair across processes; the samples decide.
  const auto one = interleaved({1.0}, 5, 1.0, 500);
  CHECK(tb::compare::compare_paired(one.base, one.candidate, o).method == tb::compare::Method::samples);
}

TEST_CASE("compare_normalized: a machine that changed speed between two runs", "[verdict]") {
  const tb::compare::VerdictOptions o;
  // Run 1 in the fast state, run 2 10% slower throughout: the result and the reference
  // (a model that did not change) both shift. Across runs alone, that is a 10% slowdown.
  const std::vector<double> fast(6, 1.0), slow(6, 1.1);
  const auto base_result = interleaved(fast, 4, 1.0, 600);
  const auto new_result = interleaved(slow, 4, 1.0, 700);
  auto reference_of = [](const std::vector<double>& states, std::uint64_t seed) {
    return interleaved(states, 4, 0.8, seed).base;  // its own speed, in the same rounds
  };
  const tb::compare::NormalizedSide base{base_result.base, reference_of(fast, 800), "ref v"};
  const tb::compare::NormalizedSide same{new_result.base, reference_of(slow, 900), ""};
  const auto v = tb::compare::compare_normalized(base, same, o);
  REQUIRE(v);
  CHECK(v->method == tb::compare::Method::normalized);
  CHECK(v->verdict == Verdict::same);
  CHECK(v->base_processes == 6);
  CHECK(v->paired_rounds == 48);
  CHECK_THAT(v->reason, tbtest::contains("6 vs 6 processes, each relative to ref v"));
  const auto plain = tb::compare::compare_processes(tb::report::samples_by_process(base_result.base),
                                                    tb::report::samples_by_process(new_result.base), o);
  CHECK(plain.verdict == Verdict::slower);  // what the machine's change looks like without

  // A real 5% slowdown in the slow run is still found.
  const auto slower_result = interleaved(slow, 4, 1.05, 1000);
  const auto found = tb::compare::compare_normalized(base, {slower_result.candidate, reference_of(slow, 1100), ""}, o);
  REQUIRE(found);
  CHECK(found->verdict == Verdict::slower);
  CHECK(found->ratio.low > 1.02);
  CHECK(found->ratio.high < 1.08);

  // One process on a side: no verdict this way.
  const auto one = interleaved({1.0}, 4, 1.0, 1200);
  CHECK_FALSE(tb::compare::compare_normalized({one.base, one.candidate, ""}, same, o));
}
