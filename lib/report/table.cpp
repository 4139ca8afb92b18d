#include "report/table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/statistics.hpp"

namespace tb::report {
namespace {

std::string number(double value) {
  if (value == 0) return "0";
  const double magnitude = std::abs(value);
  if (magnitude >= 1000) return fmt::format("{:.0f}", value);
  if (magnitude >= 100) return fmt::format("{:.1f}", value);
  if (magnitude >= 1) return fmt::format("{:.2f}", value);
  if (magnitude >= 0.001) return fmt::format("{:.4f}", value);
  return fmt::format("{:.1e}", value);
}

}  // namespace

std::string render_table(const std::vector<VariantOutcome>& outcomes, const TimingOptions& timing,
                         const ScheduleOptions& schedule) {
  const VariantOutcome* baseline = nullptr;
  for (const auto& o : outcomes) {
    if (o.is_baseline) baseline = &o;
  }
  const std::vector<std::string> header = {"variant", "median ms", "± stddev", "cv", "p99 ms", "items/s",
                                           "speedup", "max abs err", "cosine", "status"};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
  for (const auto& o : outcomes) {
    std::vector<std::string> row(header.size(), "-");
    row[0] = o.variant.name + (o.is_baseline ? " *" : "");
    row[9] = o.status;
    if (o.status == "ok" && o.result && !o.result->samples_ms.empty()) {
      const auto& r = *o.result;
      const auto s = summarize(r.samples_ms);
      row[1] = number(s.median);
      row[2] = number(s.stddev);
      row[3] = fmt::format("{:.1f}%", s.cv * 100);
      row[4] = number(s.p99);
      row[5] = number(throughput_per_s(r));
      if (baseline && baseline->status == "ok") {
        if (const auto ratio = speedup(o, *baseline)) row[6] = fmt::format("{:.2f}x", *ratio);
      }
      if (r.accuracy) {
        row[7] = r.accuracy->non_finite ? "non-finite" : number(r.accuracy->max_abs_err);
        row[8] = r.accuracy->non_finite ? "n/a" : fmt::format("{:.6f}", r.accuracy->cosine);
      }
      if (!r.accuracy_note.empty() && !o.is_baseline) notes.push_back(o.variant.name + ": " + r.accuracy_note);
      for (const auto& warning : measurement_warnings(r, timing, schedule)) notes.push_back(o.variant.name + ": " + warning);
    }
    if (o.status != "ok") notes.push_back(o.variant.name + ": " + o.error);
    if (o.gate && !o.gate->passed()) {
      row[9] = "GATE FAILED";
      for (const auto& violation : o.gate->violations) notes.push_back(o.variant.name + ": gate: " + violation);
    }
    rows.push_back(std::move(row));
  }
  // Column widths in characters: count UTF-8 lead bytes only ("±" is two bytes, one column).
  const auto visible = [](const std::string& text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
  };
  std::vector<std::size_t> widths(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    widths[c] = visible(header[c]);
    for (const auto& row : rows) widths[c] = std::max(widths[c], visible(row[c]));
  }
  const auto pad = [&](const std::string& text, std::size_t width, bool left) {
    const std::size_t shown = visible(text);
    const std::string fill(width > shown ? width - shown : 0, ' ');
    return left ? text + fill : fill + text;
  };
  std::string out;
  const auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += (c ? "  " : "") + pad(row[c], widths[c], c == 0 || c == row.size() - 1);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(header);
  for (const auto& row : rows) emit(row);
  if (baseline) out += "* baseline; speedup is per item (batch-normalised median latency) vs the baseline\n";
  for (const auto& note : notes) out += "  " + note + "\n";
  return out;
}

}  // namespace tb::report
