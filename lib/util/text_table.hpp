#pragma once
// Aligned plain-text columns for terminal output, and the number format of the tables.
#include <string>
#include <string_view>
#include <vector>

namespace tb {

// Terminal columns of UTF-8 text: counts code points, skips ANSI colour sequences (ESC [ ... m).
std::size_t display_width(std::string_view text);

// Rows (the first is usually the header) padded to common column widths, two spaces
// between columns, trailing spaces trimmed, one "\n" per row. `left[c]` left-aligns column c
// (missing entries: right-aligned, as numbers are).
std::string align_columns(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& left);

// About four significant digits: 1234, 123.4, 12.34, 0.1234, 1.2e-04.
std::string format_number(double value);

}  // namespace tb
