#include "util/duration.hpp"

#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace tb {
namespace {

std::optional<double> unit_seconds(std::string_view unit) {
  if (unit == "h") return 3600.0;
  if (unit == "m" || unit == "min") return 60.0;
  if (unit == "s") return 1.0;
  if (unit == "ms") return 1e-3;
  if (unit == "us") return 1e-6;
  return std::nullopt;
}

}  // namespace

std::optional<double> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto number_start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    const auto unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const auto number = parse_double(text.substr(number_start, unit_start - number_start));
    const auto unit = unit_seconds(text.substr(unit_start, i - unit_start));
    if (!number || !unit) return std::nullopt;
    total += *number * *unit;
  }
  if (!std::isfinite(total) || total <= 0) return std::nullopt;
  return total;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  if (seconds < 1e-3) return fmt::format("{:.0f}us", seconds * 1e6);
  if (seconds < 1) return fmt::format("{:.0f}ms", seconds * 1e3);
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  const auto whole = static_cast<long long>(std::llround(seconds));
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
}

}  // namespace tb
