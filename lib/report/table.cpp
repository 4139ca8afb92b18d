#include "report/table.hpp"

#include <fmt/format.h>

#include "core/device_timing.hpp"
#include "util/statistics.hpp"
#include "util/text_table.hpp"

namespace tb::report {

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
      row[1] = format_number(s.median);
      row[2] = format_number(s.stddev);
      row[3] = fmt::format("{:.1f}%", s.cv * 100);
      row[4] = format_number(s.p99);
      row[5] = format_number(throughput_per_s(r));
      if (baseline && baseline->status == "ok") {
        if (const auto ratio = speedup(o, *baseline)) row[6] = fmt::format("{:.2f}x", *ratio);
      }
      if (r.accuracy) {
        row[7] = r.accuracy->non_finite ? "non-finite" : format_number(r.accuracy->max_abs_err);
        row[8] = r.accuracy->non_finite ? "n/a" : fmt::format("{:.6f}", r.accuracy->cosine);
      }
      for (const auto& note : r.pass_notes) notes.push_back(o.variant.name + ": " + note);
      if (const auto medians = device_time_medians(r)) {
        if (medians->h2d_ms) {
          notes.push_back(fmt::format("{}: transfers: h2d {} ms, d2h {} ms (medians; the ms columns are the compute "
                                      "between the copies)",
                                      o.variant.name, format_number(*medians->h2d_ms),
                                      format_number(medians->d2h_ms.value_or(0))));
        }
        const auto hint = classify_bottleneck(*medians);
        if (hint != Bottleneck::none) notes.push_back(o.variant.name + ": " + bottleneck_message(hint, *medians));
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
  rows.insert(rows.begin(), header);
  std::vector<bool> left(header.size(), false);
  left.front() = left.back() = true;
  std::string out = align_columns(rows, left);
  if (baseline) out += "* baseline; speedup is per item (batch-normalised median latency) vs the baseline\n";
  for (const auto& note : notes) out += "  " + note + "\n";
  return out;
}

}  // namespace tb::report
