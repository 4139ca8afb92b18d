#include "compare/compare.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "util/errors.hpp"
#include "util/markup.hpp"
#include "util/statistics.hpp"
#include "util/strings.hpp"

namespace tb::compare {
namespace {

using report::ReportFile;
using report::ResultRecord;

Side side_of(const ResultRecord& r) {
  Side s;
  s.present = true;
  s.variant = r.variant;
  s.status = r.status;
  s.error = r.error;
  s.batch = r.batch;
  s.count = r.samples_ms.size();
  s.threads = r.threads;
  if (!r.samples_ms.empty()) s.median_ms = summarize(r.samples_ms).median;
  return s;
}

// The samples of each worker process, divided by the batch size when `per_item`.
std::vector<std::vector<double>> process_samples(const ResultRecord& r, bool per_item) {
  auto groups = report::samples_by_process(r);
  if (per_item) {
    for (auto& g : groups) {
      for (auto& x : g) x /= static_cast<double>(r.batch);
    }
  }
  return groups;
}

std::string failure_text(const Side& s) {
  return s.status + (s.error.empty() ? "" : ": " + s.error);
}

// Fills the verdict, the statistics and the warnings of a pair whose sides are known.
void judge(Pair& pair, const ResultRecord* base, const ResultRecord* candidate, const VerdictOptions& options) {
  if (!base || !candidate) {
    pair.verdict = Verdict::missing;
    pair.reason = base ? "only in the base report" : "only in the new report";
    pair.warnings.push_back(pair.reason);
    return;
  }
  if (!candidate->ok()) {
    pair.verdict = Verdict::failed;
    pair.reason = "new: " + failure_text(pair.candidate);
    pair.warnings.push_back(base->ok() ? "failed in new, ok in base: " + failure_text(pair.candidate)
                                       : "failed in both: new " + failure_text(pair.candidate));
    return;
  }
  if (!base->ok()) {
    pair.verdict = Verdict::missing;
    pair.reason = "base: " + failure_text(pair.base);
    pair.warnings.push_back("failed in base, ok in new: nothing to compare with");
    return;
  }
  if (base->threads && candidate->threads && *base->threads != *candidate->threads) {
    pair.warnings.push_back(fmt::format("threads differ (base {}, new {})", *base->threads, *candidate->threads));
  }
  if (base->batch != candidate->batch) {
    pair.warnings.push_back(
        fmt::format("batch differs (base {}, new {}): compared per-item latency", base->batch, candidate->batch));
  }
  const bool per_item = base->batch != candidate->batch;
  pair.stats = compare_processes(process_samples(*base, per_item), process_samples(*candidate, per_item), options);
  pair.verdict = pair.stats->verdict;
  pair.reason = pair.stats->reason;
}

Pair make_pair(const std::string& model, const ResultRecord* base, const ResultRecord* candidate,
               const VerdictOptions& options) {
  Pair pair;
  pair.model = model;
  if (base) pair.base = side_of(*base);
  if (candidate) pair.candidate = side_of(*candidate);
  judge(pair, base, candidate, options);
  return pair;
}

// Verdict counts, geometric mean, warnings, exit code.
void summarize_pairs(Comparison& c) {
  double log_sum = 0;
  std::size_t single_process = 0;
  for (const auto& pair : c.pairs) {
    single_process += pair.stats && pair.stats->method == Method::samples;
    if (pair.stats && pair.stats->ratio.estimate > 0) {
      log_sum += std::log(pair.stats->ratio.estimate);
      ++c.geomean_pairs;
    }
    for (const auto& warning : pair.warnings) {
      const auto name = pair.base.present ? pair.base.variant : pair.candidate.variant;
      const auto other = pair.base.present && pair.candidate.present && pair.base.variant != pair.candidate.variant
                             ? " -> " + pair.candidate.variant
                             : "";
      c.warnings.push_back(fmt::format("{} {}{}: {}", pair.model, name, other, warning));
    }
    if (fails_gate(pair.verdict, c.options.fail_on)) c.exit_code = static_cast<int>(ExitCode::gate_failed);
  }
  if (c.geomean_pairs > 0) c.geomean_ratio = std::exp(log_sum / static_cast<double>(c.geomean_pairs));
  if (single_process > 0) {
    c.warnings.push_back(fmt::format(
        "{} of {} verdicts rest on one worker process a side: their intervals cover iteration-to-iteration noise "
        "only, not the few percent by which two processes of the same program can differ; run both sides with "
        "--processes 5 or more for verdicts that do (docs/statistics.md)",
        single_process, c.geomean_pairs));
  }
}

Comparison start(const ReportFile& base, const ReportFile& candidate, const CompareOptions& options) {
  Comparison c;
  c.base_name = base.name;
  c.candidate_name = candidate.name;
  c.base_created_at = base.created_at;
  c.candidate_created_at = candidate.created_at;
  c.base_git_sha = base.git_sha;
  c.candidate_git_sha = candidate.git_sha;
  c.options = options;
  return c;
}

}  // namespace

bool fails_gate(Verdict verdict, FailOn fail_on) {
  switch (fail_on) {
    case FailOn::never: return false;
    case FailOn::slower: return verdict == Verdict::slower || verdict == Verdict::failed;
    case FailOn::inconclusive:
      return verdict == Verdict::slower || verdict == Verdict::failed || verdict == Verdict::inconclusive;
    case FailOn::any_change: return verdict != Verdict::same;
  }
  return false;
}

std::size_t Comparison::count(Verdict verdict) const {
  return static_cast<std::size_t>(
      std::count_if(pairs.begin(), pairs.end(), [&](const Pair& p) { return p.verdict == verdict; }));
}

const std::vector<std::pair<std::string, std::string>>& compared_environment_fields() {
  static const std::vector<std::pair<std::string, std::string>> fields = {
      {"hostname", "/hostname"},
      {"cpu.model", "/cpu/model"},
      {"cpu.affinity_cpus", "/cpu/affinity_cpus"},
      {"libtorch.libtorch_version", "/libtorch/libtorch_version"},
      {"libtorch.default_threads", "/libtorch/default_threads"},
      {"device", "/device"},
      {"gpus", "/gpus"},
  };
  return fields;
}

Comparison compare_reports(const ReportFile& base, const ReportFile& candidate, const CompareOptions& options) {
  auto c = start(base, candidate, options);
  for (const auto& [field, pointer] : compared_environment_fields()) {
    const auto b = report::environment_field(base, pointer);
    const auto n = report::environment_field(candidate, pointer);
    if (b != n) {
      c.environment_differences.push_back({field, b, n});
      c.warnings.push_back(fmt::format("environments differ: {} is {} in base, {} in new", field,
                                       b.empty() ? "not recorded" : "'" + b + "'",
                                       n.empty() ? "not recorded" : "'" + n + "'"));
    }
  }

  std::map<std::pair<std::string, std::string>, const ResultRecord*> in_new;
  for (const auto& r : candidate.results) in_new[{r.model, r.variant}] = &r;
  std::set<std::pair<std::string, std::string>> matched;
  for (const auto& r : base.results) {
    const auto it = in_new.find({r.model, r.variant});
    const ResultRecord* other = it == in_new.end() ? nullptr : it->second;
    if (other) matched.insert({r.model, r.variant});
    c.pairs.push_back(make_pair(r.model, &r, other, options.verdict));
  }
  for (const auto& r : candidate.results) {
    if (!matched.count({r.model, r.variant})) c.pairs.push_back(make_pair(r.model, nullptr, &r, options.verdict));
  }
  if (matched.empty()) {
    auto names = [](const ReportFile& f) {
      std::vector<std::string> items;
      for (const auto& r : f.results) items.push_back(r.model + " " + r.variant);
      if (items.size() > 4) items.resize(4), items.push_back("...");
      return items.empty() ? std::string("no results") : join(items, ", ");
    };
    throw ModelError(printable(fmt::format("'{}' and '{}' have no (model, variant) in common (base: {}; new: {})",
                                           base.name, candidate.name, names(base), names(candidate))));
  }
  summarize_pairs(c);
  return c;
}

Comparison compare_variants(const ReportFile& report, const std::string& a, const std::string& b,
                            const CompareOptions& options) {
  // A result belongs to a name when its variant is the name or the name plus a sweep suffix.
  auto suffix_of = [](const std::string& variant, const std::string& name) -> std::optional<std::string> {
    if (variant == name) return std::string();
    if (variant.size() > name.size() && variant.starts_with(name) && variant[name.size()] == '/') {
      return variant.substr(name.size());
    }
    return std::nullopt;
  };
  std::vector<std::string> known;
  for (const auto& r : report.results) {
    known.push_back(r.variant);
    if (const auto slash = r.variant.find('/'); slash != std::string::npos) known.push_back(r.variant.substr(0, slash));
  }
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  for (const auto& [flag, name] : {std::pair{"--a", a}, std::pair{"--b", b}}) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::vector<std::string_view> candidates(known.begin(), known.end());
    throw UsageError(printable(fmt::format("{} '{}': report '{}' has no such variant{}; variants: {}", flag, name,
                                           report.name, did_you_mean(name, candidates), join(known, ", "))));
  }
  if (a == b) throw UsageError(fmt::format("--a and --b are both '{}'; name two different variants", a));

  auto c = start(report, report, options);
  c.base_name = report.name + ": " + a;
  c.candidate_name = report.name + ": " + b;
  std::map<std::pair<std::string, std::string>, const ResultRecord*> in_b;
  for (const auto& r : report.results) {
    // A variant named like `a/...` is never also a `b` result unless b is a prefix of a.
    if (const auto s = suffix_of(r.variant, b)) in_b[{r.model, *s}] = &r;
  }
  std::set<std::pair<std::string, std::string>> matched;
  for (const auto& r : report.results) {
    const auto s = suffix_of(r.variant, a);
    if (!s) continue;
    const auto it = in_b.find({r.model, *s});
    const ResultRecord* other = it == in_b.end() ? nullptr : it->second;
    if (other) matched.insert({r.model, *s});
    c.pairs.push_back(make_pair(r.model, &r, other, options.verdict));
  }
  for (const auto& [key, r] : in_b) {
    if (!matched.count(key)) c.pairs.push_back(make_pair(r->model, nullptr, r, options.verdict));
  }
  if (matched.empty()) {
    throw ModelError(printable(fmt::format("report '{}': variants '{}' and '{}' share no model and sweep point to "
                                           "compare",
                                           report.name, a, b)));
  }
  summarize_pairs(c);
  return c;
}

}  // namespace tb::compare
