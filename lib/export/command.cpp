#include "export/command.hpp"

#include <fmt/format.h>

#include "export/export.hpp"
#include "report/report_reader.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb::exports {

int report_command(const ReportCommandOptions& o, std::ostream& out) {
  bool known = false;
  std::vector<std::string_view> names;
  for (const auto& f : formats()) {
    known |= f.name == o.format;
    names.push_back(f.name);
  }
  if (!known) {
    throw UsageError(fmt::format("--format '{}': unknown format{}; choose one of {}", o.format,
                                 did_you_mean(o.format, names), join(names, ", ")));
  }
  const bool to_stdout = o.output.empty() || o.output == "-";
  if (!to_stdout) check_writable_destination(o.output);
  const auto text = export_report(report::read_report(o.report), o.format);
  if (to_stdout) {
    out << text;
    out.flush();
  } else {
    write_file_atomic(o.output, text);
  }
  return 0;
}

}  // namespace tb::exports
