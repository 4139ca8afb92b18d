#pragma once
// Fakes for the tune unit tests: a small pass table with the rules that matter to the search
// space, and worker outcomes built from chosen samples.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "report/report.hpp"
#include "tune/search.hpp"
#include "tune/space.hpp"

namespace tbtest {

// grad/no-grad/inference-mode (group autograd), bf16/fp16 (group precision), int8-dynamic and
// fp16-dynamic (group quantization, not with bf16 or fp16), freeze, optimize, threads=N,
// interop-threads=N, batch=N, channels-last and cuda-graph (cuda only).
inline tb::tune::SpaceContext fake_context(std::string device = "cpu", int cpus = 2) {
  tb::tune::SpaceContext c;
  c.device_type = device;
  c.cpus = cpus;
  c.passes = {{"grad", false, "autograd"},        {"no-grad", false, "autograd"},
              {"inference-mode", false, "autograd"}, {"bf16", false, "precision"},
              {"fp16", false, "precision"},       {"int8-dynamic", true, "quantization"},
              {"fp16-dynamic", false, "quantization"}, {"freeze", false, ""},
              {"optimize", false, ""},            {"threads", true, ""},
              {"interop-threads", true, ""},      {"batch", true, ""},
              {"channels-last", false, ""},       {"cuda-graph", false, "runner"},
              {"tf32", false, ""},                {"cudnn-benchmark", false, ""}};
  const auto facts = c.passes;
  c.check = [facts, device](const std::vector<tb::PassSpec>& passes) -> std::string {
    std::vector<std::string> groups;
    for (const auto& p : passes) {
      const tb::tune::PassFacts* f = nullptr;
      for (const auto& candidate : facts) {
        if (candidate.name == p.name) f = &candidate;
      }
      if (!f) return "unknown pass '" + p.name + "'";
      if (f->takes_value && p.value && p.name != "int8-dynamic") {
        for (const char ch : *p.value) {
          if (ch < '0' || ch > '9') return "pass '" + p.name + "' needs a positive integer";
        }
      }
      if (!f->takes_value && p.value) return "pass '" + p.name + "' takes no value";
      if (p.name != "int8-dynamic" && f->takes_value && !p.value) return "pass '" + p.name + "' needs a positive integer";
      if ((p.name == "cuda-graph" || p.name == "tf32" || p.name == "cudnn-benchmark") && device != "cuda") {
        return "pass '" + p.name + "' works only on --device cuda";
      }
      if (!f->group.empty()) {
        for (const auto& g : groups) {
          if (g == f->group) return "passes of group " + g + " exclude each other";
        }
        groups.push_back(f->group);
      }
    }
    bool quantized = false, cast = false;
    for (const auto& p : passes) {
      quantized |= p.name == "int8-dynamic" || p.name == "fp16-dynamic";
      cast |= p.name == "bf16" || p.name == "fp16";
    }
    if (quantized && cast) return "passes int8-dynamic and bf16 cannot be combined";
    return "";
  };
  return c;
}

// A worker outcome with `rounds` rounds of `per_round` samples each around `median_ms`,
// spread by a deterministic ±`spread` pattern, measured by `processes` processes in turn.
inline tb::report::VariantOutcome fake_outcome(const std::string& name, double median_ms, int rounds = 6,
                                               int per_round = 9, int processes = 1, double spread = 0.01) {
  tb::report::VariantOutcome o;
  o.model = "builtin:mlp";
  o.variant = {name, {}};
  o.status = "ok";
  tb::WorkerResult r;
  r.batch = 1;
  r.timer = "steady_clock";
  for (int round = 0; round < rounds; ++round) {
    for (int i = 0; i < per_round; ++i) {
      const double offset = spread * (static_cast<double>(i) / (per_round - 1) * 2 - 1);
      r.samples_ms.push_back(median_ms * (1 + offset));
    }
    r.round_sizes.push_back(per_round);
    r.round_positions.push_back(0);
    r.round_processes.push_back(static_cast<std::int64_t>(round) * processes / rounds);
  }
  r.peak_rss_bytes = 100 << 20;
  r.accuracy = tb::AccuracyStats{10, 1e-6, 1e-5, 0.999999, false};
  o.result = r;
  return o;
}

inline tb::report::VariantOutcome failed_outcome(const std::string& name, const std::string& status,
                                                 const std::string& error) {
  tb::report::VariantOutcome o;
  o.model = "builtin:mlp";
  o.variant = {name, {}};
  o.status = status;
  o.error = error;
  tb::WorkerResult r;
  r.failure = status == "skipped" ? tb::FailureStage::unsupported : tb::FailureStage::crash;
  r.error = error;
  o.result = r;
  return o;
}

// A machine for the search loop: every candidate has a true median latency; a batch costs
// each worker's startups plus its measured time on a fake clock.
struct FakeMachine {
  std::vector<double> truth;     // true median ms of each candidate
  double baseline_ms = 10.0;
  double startup = 1.0;          // seconds per worker process
  std::map<int, double> slowdown;  // by rung: its batches take this many times longer than they should
  std::set<std::size_t> failing;
  std::map<std::size_t, double> cosine;
  double clock = 0;
  std::vector<tb::tune::BatchRequest> requests;

  tb::report::VariantOutcome outcome(const std::string& name, double ms, const tb::tune::BatchRequest& request,
                                     std::uint32_t seed) const {
    tb::report::VariantOutcome o;
    o.model = "builtin:mlp";
    o.variant = {name, {}};
    tb::WorkerResult r;
    r.batch = 1;
    const auto rounds = request.schedule.rounds;
    const double per_round_ms = request.timing.min_seconds * 1000 / static_cast<double>(rounds);
    const auto n = std::max<long>(1, std::lround(per_round_ms / ms));
    std::mt19937 noise(seed);
    std::uniform_real_distribution<double> spread(-0.005, 0.005);
    for (std::int64_t round = 0; round < rounds; ++round) {
      for (long i = 0; i < n; ++i) r.samples_ms.push_back(ms * (1 + spread(noise)));
      r.round_sizes.push_back(n);
      r.round_positions.push_back(0);
      r.round_processes.push_back(tb::process_of_round(request.schedule, round));
    }
    r.peak_rss_bytes = 50 << 20;
    o.result = r;
    return o;
  }

  std::vector<tb::report::VariantOutcome> measure(const tb::tune::BatchRequest& request) {
    requests.push_back(request);
    std::vector<tb::report::VariantOutcome> out;
    out.push_back(outcome("baseline", baseline_ms, request, static_cast<std::uint32_t>(request.group)));
    out.front().is_baseline = true;
    for (const auto i : request.candidates) {
      if (failing.count(i)) {
        tb::report::VariantOutcome o;
        o.variant = {"c" + std::to_string(i), {}};
        o.status = "failed";
        o.error = "worker killed by signal 11 (SIGSEGV)";
        out.push_back(o);
        continue;
      }
      auto o = outcome("c" + std::to_string(i), truth[i], request,
                       static_cast<std::uint32_t>(request.group * 1000 + static_cast<std::int64_t>(i)));
      const auto c = cosine.count(i) ? cosine.at(i) : 1.0;
      o.result->accuracy = tb::AccuracyStats{10, 1 - c, 1 - c, c, false};
      out.push_back(std::move(o));
    }
    double seconds = 0;
    for (const auto& o : out) {
      seconds += static_cast<double>(request.schedule.processes) * startup;
      if (o.result) {
        for (const auto s : o.result->samples_ms) seconds += s / 1000;
      }
    }
    clock += seconds * (slowdown.count(request.rung) ? slowdown.at(request.rung) : 1.0);
    return out;
  }

  tb::tune::SearchHooks hooks(std::function<bool()> interrupted = {}) {
    tb::tune::SearchHooks h;
    h.measure = [this](const tb::tune::BatchRequest& r) { return measure(r); };
    h.now = [this] { return clock; };
    h.interrupted = std::move(interrupted);
    return h;
  }
};

inline std::vector<tb::tune::Candidate> candidates(std::size_t n) {
  std::vector<tb::tune::Candidate> c;
  for (std::size_t i = 0; i < n; ++i) c.push_back({"c" + std::to_string(i), {{"threads", std::to_string(i + 1)}}});
  return c;
}

// 27 candidates from 6 to 9.9 ms, except candidate 13 (5 ms) and 20 (5.4 ms).
inline FakeMachine machine27() {
  FakeMachine m;
  for (std::size_t i = 0; i < 27; ++i) m.truth.push_back(6.0 + 0.15 * static_cast<double>(i));
  m.truth[13] = 5.0;
  m.truth[20] = 5.4;
  return m;
}

}  // namespace tbtest
