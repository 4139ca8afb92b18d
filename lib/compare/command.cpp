#include "compare/command.hpp"

#include <fmt/format.h>

#include "compare/compare.hpp"
#include "compare/options.hpp"
#include "compare/render.hpp"
#include "report/report_reader.hpp"
#include "util/errors.hpp"
#include "util/markup.hpp"
#include "util/strings.hpp"

namespace tb::compare {
namespace {

void check_choice(const std::string& flag, const std::string& value, std::vector<std::string_view> choices) {
  for (const auto choice : choices) {
    if (choice == value) return;
  }
  throw UsageError(fmt::format("{} '{}': unknown value{}; choose one of {}", flag, value, did_you_mean(value, choices),
                               join(choices, ", ")));
}

}  // namespace

bool use_color(ColorMode mode, bool is_terminal, const char* no_color) {
  switch (mode) {
    case ColorMode::always: return true;
    case ColorMode::never: return false;
    case ColorMode::automatic: return is_terminal && (no_color == nullptr || *no_color == '\0');
  }
  return false;
}

int compare_command(const CompareCommandOptions& o, std::ostream& out, std::ostream& err) {
  CompareOptions options;
  options.verdict.threshold = parse_threshold(o.threshold);
  options.verdict.alpha = parse_alpha(o.alpha);
  options.fail_on = parse_fail_on(o.fail_on);
  check_choice("--format", o.format, {"table", "markdown", "json"});
  check_choice("--color", o.color, {"auto", "always", "never"});
  const bool one_report = o.reports.size() == 1;
  if (o.reports.empty() || o.reports.size() > 2) {
    throw UsageError("give two reports (BASE.json NEW.json), or one report with --a VARIANT --b VARIANT");
  }
  const bool variants = !o.a.empty() || !o.b.empty();
  const bool models = !o.a_model.empty() || !o.b_model.empty();
  if (!one_report && (variants || models)) {
    throw UsageError(fmt::format("{} compare{} of one report; with two reports, results are matched by model and "
                                 "variant",
                                 variants ? "--a and --b" : "--a-model and --b-model",
                                 variants ? " two variants" : " two models"));
  }
  if (one_report && !o.reference.empty()) {
    throw UsageError("--reference judges two reports relative to a model measured in each; inside one report, "
                     "results of one run are paired by round already");
  }
  options.reference_model = o.reference;
  if (one_report && !variants && !models) {
    throw UsageError("one report given: name the two variants to compare with --a and --b (or two models with "
                     "--a-model and --b-model), or give a second report");
  }
  if (variants && (o.a.empty() || o.b.empty())) {
    throw UsageError(fmt::format("{} given without {}: name both variants to compare", o.a.empty() ? "--b" : "--a",
                                 o.a.empty() ? "--a" : "--b"));
  }
  if (models && (o.a_model.empty() || o.b_model.empty())) {
    throw UsageError(fmt::format("{} given without {}: name both models to compare",
                                 o.a_model.empty() ? "--b-model" : "--a-model",
                                 o.a_model.empty() ? "--a-model" : "--b-model"));
  }

  Comparison comparison;
  if (one_report) {
    comparison = compare_variants(report::read_report(o.reports[0]), {o.a, o.b, o.a_model, o.b_model}, options);
  } else {
    const auto base = report::read_report(o.reports[0]);
    const auto candidate = report::read_report(o.reports[1]);
    comparison = compare_reports(base, candidate, options);
  }

  for (const auto& warning : comparison.warnings) err << "torchbench-cli: warning: " << printable(warning) << "\n";
  err.flush();
  if (o.format == "json") {
    out << comparison_json(comparison).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (o.format == "markdown") {
    out << render_markdown(comparison);
  } else {
    const auto mode = o.color == "always" ? ColorMode::always : o.color == "never" ? ColorMode::never
                                                                                  : ColorMode::automatic;
    out << render_table(comparison, use_color(mode, o.stdout_is_terminal, o.no_color));
  }
  out.flush();
  return comparison.exit_code;
}

}  // namespace tb::compare
