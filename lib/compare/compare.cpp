#include "compare/compare.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/model_ref.hpp"
#include "report/environment.hpp"
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
  s.model = r.model;
  s.variant = r.variant;
  s.status = r.status;
  s.error = r.error;
  s.batch = r.batch;
  s.count = r.samples_ms.size();
  s.threads = r.threads;
  if (!r.samples_ms.empty()) s.median_ms = summarize(r.samples_ms).median;
  return s;
}

// Per-item latency, when the two sides ran different batch sizes.
void divide(std::vector<double>& samples, std::int64_t batch) {
  for (auto& x : samples) x /= static_cast<double>(batch);
}

// The samples of each worker process, divided by the batch size when `per_item`.
std::vector<std::vector<double>> process_samples(const ResultRecord& r, bool per_item) {
  auto groups = report::samples_by_process(r);
  if (per_item) {
    for (auto& g : groups) divide(g, r.batch);
  }
  return groups;
}

// The samples of each round (empty when the report does not record rounds), likewise.
std::vector<report::RoundRecord> round_samples(const ResultRecord& r, bool per_item) {
  auto rounds = report::samples_by_round(r);
  if (per_item) {
    for (auto& round : rounds) divide(round.samples, r.batch);
  }
  return rounds;
}

std::string failure_text(const Side& s) {
  return s.status + (s.error.empty() ? "" : ": " + s.error);
}

// Fills the verdict, the statistics and the warnings of a pair whose sides are known.
void judge(Pair& pair, const ResultRecord* base, const ResultRecord* candidate, const VerdictOptions& options,
           bool paired) {
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
  // Round r of both ran side by side only when they were measured in the same rounds.
  paired = paired && base->round_group == candidate->round_group;
  const auto base_rounds = paired ? round_samples(*base, per_item) : std::vector<report::RoundRecord>{};
  const auto candidate_rounds = paired ? round_samples(*candidate, per_item) : std::vector<report::RoundRecord>{};
  if (!base_rounds.empty() && !candidate_rounds.empty()) {
    pair.stats = compare_paired(base_rounds, candidate_rounds, options);
  } else {
    pair.stats =
        compare_processes(process_samples(*base, per_item), process_samples(*candidate, per_item), options);
  }
  pair.verdict = pair.stats->verdict;
  pair.reason = pair.stats->reason;
}

// `paired`: both results come from one interleaved run (compare_paired).
Pair make_pair(const ResultRecord* base, const ResultRecord* candidate, const VerdictOptions& options, bool paired) {
  Pair pair;
  if (base) pair.base = side_of(*base);
  if (candidate) pair.candidate = side_of(*candidate);
  pair.model = base ? base->model : candidate->model;
  if (base && candidate && base->model != candidate->model) pair.model += " -> " + candidate->model;
  judge(pair, base, candidate, options, paired);
  return pair;
}

// Verdict counts, geometric mean, warnings, exit code.
void summarize_pairs(Comparison& c) {
  double log_sum = 0;
  std::size_t single_process = 0;
  for (const auto& pair : c.pairs) {
    if (pair.is_reference) {
      if (pair.stats) {
        c.warnings.push_back(fmt::format("{} {}: the reference changed by {} between the runs ({:g}% CI {}..{}): "
                                         "the machine's own change, which the other results are judged without",
                                         pair.model, pair.base.variant, format_change(pair.stats->ratio.estimate),
                                         c.options.verdict.confidence() * 100, format_change(pair.stats->ratio.low),
                                         format_change(pair.stats->ratio.high)));
      }
      continue;
    }
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

// A run that other programs competed with (environment.competing_cpu_share, written by run
// and tune since it exists) is named, so that a verdict on its numbers is read with that in mind.
void warn_busy_machine(Comparison& c, const ReportFile& report, const std::string& side) {
  const auto share = report.environment.find("competing_cpu_share");
  if (share == report.environment.end() || !share->is_number()) return;
  const double value = share->get<double>();
  if (!(value > report::kCompetingCpuShare)) return;
  c.warnings.push_back(fmt::format("{} ran on a busy machine: other programs used {:.0f}% of its CPUs' time during "
                                   "the run; its samples carry their noise (measure again on a quiet machine)",
                                   side, 100 * value));
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
  if (&base == &candidate) {
    warn_busy_machine(c, base, "the report");
  } else {
    warn_busy_machine(c, base, "base");
    warn_busy_machine(c, candidate, "new");
  }
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
  return static_cast<std::size_t>(std::count_if(
      pairs.begin(), pairs.end(), [&](const Pair& p) { return p.verdict == verdict && !p.is_reference; }));
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

namespace {

// Which results one side of a within-report comparison selects, and the key that pairs them
// with the other side's: the parts the side does not fix (the model, the sweep suffix, or the
// whole variant name).
struct SidePicker {
  std::string variant;  // "" = every variant
  std::string model;    // "" = every model

  std::optional<std::pair<std::string, std::string>> key(const ResultRecord& r) const {
    if (!model.empty() && r.model != model) return std::nullopt;
    if (variant.empty()) return std::pair{model.empty() ? r.model : "", r.variant};
    // A result belongs to a variant name when it is the name or the name plus a sweep suffix.
    if (r.variant == variant) return std::pair{model.empty() ? r.model : "", std::string()};
    if (r.variant.size() > variant.size() && r.variant.starts_with(variant) && r.variant[variant.size()] == '/') {
      return std::pair{model.empty() ? r.model : "", r.variant.substr(variant.size())};
    }
    return std::nullopt;
  }
};

// Throws UsageError unless `name` is one of `known`.
void check_known(const char* flag, const std::string& name, const char* what, const std::vector<std::string>& known,
                 const ReportFile& report) {
  if (name.empty() || std::find(known.begin(), known.end(), name) != known.end()) return;
  std::vector<std::string_view> candidates(known.begin(), known.end());
  throw UsageError(printable(fmt::format("{} '{}': report '{}' has no such {}{}; {}s: {}", flag, name, report.name,
                                         what, did_you_mean(name, candidates), what, join(known, ", "))));
}

std::vector<std::string> sorted_unique(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

// The model as a run writes it into the report: "builtin:mlp:in=16,hidden=32" is written
// "builtin:mlp:hidden=32,in=16"; a path stays as given.
std::string canonical_model(const std::string& text) {
  if (text.empty()) return text;
  try {
    return parse_model_ref(text).text();
  } catch (const UsageError&) {
    return text;  // not a valid reference: the "no such model" error shows it as given
  }
}

std::string side_label(const std::string& variant, const std::string& model) {
  if (model.empty()) return variant;
  return variant.empty() ? model : model + " " + variant;
}


// The reference's result to divide `r` by, in the same report: the reference model's result
// of the same variant, or its baseline.
const ResultRecord* reference_for(const ReportFile& report, const ResultRecord& r, const std::string& reference) {
  const ResultRecord* baseline = nullptr;
  for (const auto& x : report.results) {
    if (x.model != reference) continue;
    if (x.variant == r.variant) return &x;
    if (x.baseline) baseline = &x;
  }
  return baseline;
}

// Why `r` cannot be judged relative to `ref` in `report` ("" when it can).
std::string why_not_normalized(const ReportFile& report, const ResultRecord& r, const ResultRecord* ref) {
  if (!ref || !ref->ok()) return "the reference has no samples";
  if (report.schedule_mode != "interleaved") return "its run was not interleaved";
  if (ref->round_group != r.round_group) return "the reference ran in other rounds";
  return "";
}

// Replaces the verdict of a pair with the one relative to the reference, when both runs allow.
void judge_against_reference(Pair& pair, const ReportFile& base_report, const ReportFile& candidate_report,
                             const ResultRecord& base, const ResultRecord& candidate, const std::string& reference,
                             const VerdictOptions& options) {
  if (!pair.stats) return;  // failed or missing: nothing to normalize
  const auto* base_ref = reference_for(base_report, base, reference);
  const auto* candidate_ref = reference_for(candidate_report, candidate, reference);
  auto why = why_not_normalized(base_report, base, base_ref);
  if (why.empty()) why = why_not_normalized(candidate_report, candidate, candidate_ref);
  if (why.empty()) {
    const bool per_item = base.batch != candidate.batch;
    const bool ref_per_item = base_ref->batch != candidate_ref->batch;
    const auto v = compare_normalized(
        {round_samples(base, per_item), round_samples(*base_ref, ref_per_item), reference + " " + base_ref->variant},
        {round_samples(candidate, per_item), round_samples(*candidate_ref, ref_per_item), ""}, options);
    if (v) {
      pair.stats = *v;
      pair.verdict = v->verdict;
      pair.reason = v->reason;
      return;
    }
    why = "fewer than two processes with rounds on a side";
  }
  pair.warnings.push_back("not judged relative to the reference: " + why);
}

}  // namespace

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

  const auto reference = canonical_model(options.reference_model);
  if (!reference.empty()) {
    for (const auto* report : {&base, &candidate}) {
      std::vector<std::string> models;
      for (const auto& r : report->results) models.push_back(r.model);
      check_known("--reference", reference, "model", sorted_unique(std::move(models)), *report);
    }
  }
  std::map<std::pair<std::string, std::string>, const ResultRecord*> in_new;
  for (const auto& r : candidate.results) in_new[{r.model, r.variant}] = &r;
  std::set<std::pair<std::string, std::string>> matched;
  for (const auto& r : base.results) {
    const auto it = in_new.find({r.model, r.variant});
    const ResultRecord* other = it == in_new.end() ? nullptr : it->second;
    if (other) matched.insert({r.model, r.variant});
    c.pairs.push_back(make_pair(&r, other, options.verdict, false));
    if (other && !reference.empty()) {
      if (r.model != reference) {
        judge_against_reference(c.pairs.back(), base, candidate, r, *other, reference, options.verdict);
      } else {
        c.pairs.back().is_reference = true;
      }
    }
  }
  for (const auto& r : candidate.results) {
    if (!matched.count({r.model, r.variant})) c.pairs.push_back(make_pair(nullptr, &r, options.verdict, false));
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


Comparison compare_variants(const ReportFile& report, const Selection& given, const CompareOptions& options) {
  auto selection = given;
  selection.a_model = canonical_model(given.a_model);
  selection.b_model = canonical_model(given.b_model);
  std::vector<std::string> variants, models;
  for (const auto& r : report.results) {
    variants.push_back(r.variant);
    if (const auto slash = r.variant.find('/'); slash != std::string::npos) variants.push_back(r.variant.substr(0, slash));
    models.push_back(r.model);
  }
  variants = sorted_unique(std::move(variants));
  models = sorted_unique(std::move(models));
  check_known("--a", selection.a, "variant", variants, report);
  check_known("--b", selection.b, "variant", variants, report);
  check_known("--a-model", selection.a_model, "model", models, report);
  check_known("--b-model", selection.b_model, "model", models, report);
  if (selection.a == selection.b && selection.a_model == selection.b_model) {
    throw UsageError(printable(
        selection.a_model.empty()
            ? fmt::format("--a and --b are both '{}'; name two different variants", selection.a)
            : fmt::format("both sides select '{}'; name two different variants or models",
                          side_label(selection.a, selection.a_model))));
  }
  const SidePicker pick_a{selection.a, selection.a_model};
  const SidePicker pick_b{selection.b, selection.b_model};
  // Round r of every result was measured in the same stretch of time only in an interleaved run.
  const bool paired = report.schedule_mode == "interleaved";

  auto c = start(report, report, options);
  c.base_name = report.name + ": " + side_label(selection.a, selection.a_model);
  c.candidate_name = report.name + ": " + side_label(selection.b, selection.b_model);
  std::map<std::pair<std::string, std::string>, const ResultRecord*> in_b;
  for (const auto& r : report.results) {
    if (const auto key = pick_b.key(r)) in_b.emplace(*key, &r);
  }
  std::set<std::pair<std::string, std::string>> matched;
  for (const auto& r : report.results) {
    const auto key = pick_a.key(r);
    if (!key) continue;
    const auto it = in_b.find(*key);
    const ResultRecord* other = it == in_b.end() ? nullptr : it->second;
    if (other == &r) continue;  // a result both sides select (e.g. --a-model M with --b-model M's variant)
    if (other) matched.insert(*key);
    c.pairs.push_back(make_pair(&r, other, options.verdict, paired));
  }
  for (const auto& [key, r] : in_b) {
    if (!matched.count(key)) c.pairs.push_back(make_pair(nullptr, r, options.verdict, paired));
  }
  if (matched.empty()) {
    throw ModelError(printable(fmt::format("report '{}': '{}' and '{}' share no {} to compare", report.name,
                                           side_label(selection.a, selection.a_model),
                                           side_label(selection.b, selection.b_model),
                                           selection.a_model.empty() ? "model and sweep point" : "variant")));
  }
  summarize_pairs(c);
  return c;
}

}  // namespace tb::compare
