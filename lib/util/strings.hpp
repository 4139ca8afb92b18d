#pragma once
// Small string helpers shared by the parsers.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tb {

std::string_view trim(std::string_view text);

// Splits on every occurrence of `sep`; "a,,b" gives {"a", "", "b"}; "" gives {""}.
std::vector<std::string> split(std::string_view text, char sep);

// Whole-string integer / floating-point parses; nullopt on junk, overflow or empty input.
std::optional<std::int64_t> parse_int(std::string_view text);
std::optional<double> parse_double(std::string_view text);

// "5%", "2.5 %" -> 0.05, 0.025: a percentage, the sign required (a bare "5" or "0.05" is
// ambiguous). Nullopt for anything else, including a non-finite number.
std::optional<double> parse_percent(std::string_view text);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): what JSON strings can carry.
bool is_valid_utf8(std::string_view text);

// "2G", "512M", "1.5GiB", "4096" -> bytes. Units are powers of 1024 (K, M, G, T, written
// alone or followed by "B" or "iB", any case); no unit means bytes. Nullopt for anything
// else, for less than one byte and for more than fits in int64.
std::optional<std::int64_t> parse_byte_size(std::string_view text);

// Bytes for people: "2 GiB", "1.5 GiB", "512 MiB", "100 B" (four significant digits).
std::string format_byte_size(std::int64_t bytes);

// The items separated by `separator`: join({"a", "b"}, ", ") == "a, b".
std::string join(std::span<const std::string_view> items, std::string_view separator);
std::string join(std::span<const std::string> items, std::string_view separator);

// Levenshtein distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a small edit distance (or sharing a prefix), or "" if none
// is close enough: for "unknown pass 'frezee'; did you mean 'freeze'?".
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

// " (did you mean 'X'?)" or "".
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

// Current UTC time as ISO 8601 with a trailing Z, e.g. "2026-11-25T00:12:03Z".
std::string utc_timestamp_now();

}  // namespace tb
