#include "compare/options.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb::compare {
namespace {

constexpr std::array<std::pair<std::string_view, FailOn>, 4> kFailOn = {{
    {"never", FailOn::never},
    {"slower", FailOn::slower},
    {"inconclusive", FailOn::inconclusive},
    {"any-change", FailOn::any_change},
}};

}  // namespace

double parse_threshold(const std::string& text) {
  const auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("--threshold '{}': {}; write a percentage such as 5% or 2.5%", text, why));
  };
  if (!trim(text).ends_with('%')) throw bad("no % sign");
  const auto fraction = parse_percent(text);
  if (!fraction) throw bad("not a number");
  if (!(*fraction > 0 && *fraction < 1)) throw bad("must be above 0% and below 100%");
  return *fraction;
}

double parse_alpha(const std::string& text) {
  const auto number = parse_double(trim(text));
  if (!number || !(*number > 0 && *number <= 0.5)) {
    throw UsageError(fmt::format("--alpha '{}': expected a significance level above 0 and at most 0.5, e.g. 0.01",
                                 text));
  }
  return *number;
}

FailOn parse_fail_on(const std::string& text) {
  std::vector<std::string_view> names;
  for (const auto& [name, value] : kFailOn) {
    if (name == text) return value;
    names.push_back(name);
  }
  throw UsageError(fmt::format("--fail-on '{}': unknown level{}; choose one of {}", text, did_you_mean(text, names),
                               join(names, ", ")));
}

std::string to_string(FailOn fail_on) {
  for (const auto& [name, value] : kFailOn) {
    if (value == fail_on) return std::string(name);
  }
  return "";
}

}  // namespace tb::compare
