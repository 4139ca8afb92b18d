#pragma once
// Durations as people write them on a command line: "10m", "90s", "1h30m", "20ms", "250us".
#include <optional>
#include <string>
#include <string_view>

namespace tb {

// Seconds of a duration: one or more NUMBER UNIT parts ("1m30s"), units h, m (or min), s,
// ms, us. A unit is required: a bare "20" is ambiguous (20 ms or 20 s?). Nullopt for anything
// else, for a negative or non-finite value and for a total of zero.
std::optional<double> parse_duration(std::string_view text);

// For people: "1h05m", "4m12s", "38.2s", "850ms", "120us".
std::string format_duration(double seconds);

}  // namespace tb
