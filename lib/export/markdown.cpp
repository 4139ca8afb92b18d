// A Markdown table of a report (for a pull request or a wiki page): every name and message
// from the report is escaped.
#include <fmt/format.h>

#include "export/export.hpp"
#include "util/markup.hpp"
#include "util/text_table.hpp"

namespace tb::exports {

std::string render_markdown(const report::ReportFile& report, const std::vector<Row>& rows) {
  std::string out = "### torchbench-cli report";
  if (!report.created_at.empty()) out += " " + escape_markdown(report.created_at);
  out += "\n\n";
  const auto cpu = report::environment_field(report, "/cpu/model");
  const auto libtorch = report::environment_field(report, "/libtorch/libtorch_version");
  const auto device = report::environment_field(report, "/device");
  if (!cpu.empty() || !libtorch.empty()) {
    out += fmt::format("{} · LibTorch {} · {}\n\n", escape_markdown(cpu.empty() ? "unknown CPU" : cpu),
                       escape_markdown(libtorch.empty() ? "unknown" : libtorch),
                       escape_markdown(device.empty() ? "cpu" : device));
  }
  out += "| model | variant | median ms | 95% CI ms | p99 ms | cv | items/s | max abs err | cosine | status |\n";
  out += "|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n";
  std::vector<std::string> notes;
  for (const auto& row : rows) {
    const auto& r = *row.result;
    std::string median = "-", ci = "-", p99 = "-", cv = "-", items = "-", abs_err = "-", cosine = "-";
    if (row.measured()) {
      median = format_number(row.stats.median);
      ci = format_number(row.median_ci.low) + " to " + format_number(row.median_ci.high);
      p99 = format_number(row.stats.p99);
      cv = fmt::format("{:.1f}%", row.stats.cv * 100);
      items = format_number(row.throughput_per_s);
    }
    if (r.accuracy) {
      if (r.accuracy->max_abs_err) abs_err = format_number(*r.accuracy->max_abs_err);
      if (r.accuracy->cosine) cosine = fmt::format("{:.6f}", *r.accuracy->cosine);
    }
    const auto failure = row.failure();
    const std::string status = failure.empty() ? "ok" : r.status == "ok" ? "**gate failed**" : "**" + r.status + "**";
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", escape_markdown(r.model),
                       escape_markdown(r.variant), median, ci, p99, cv, items, abs_err, cosine, status);
    if (!failure.empty()) notes.push_back("- " + escape_markdown(r.variant) + ": " + escape_markdown(failure));
  }
  if (!notes.empty()) {
    out += "\n";
    for (const auto& note : notes) out += note + "\n";
  }
  return out;
}

}  // namespace tb::exports
