#pragma once
// `torchbench-cli report RUN.json --format FMT [-o FILE]`.
#include <ostream>
#include <string>

namespace tb::exports {

struct ReportCommandOptions {
  std::string report;              // the run report to read
  std::string format = "markdown";  // a name from formats()
  std::string output;              // "" or "-": stdout; else written atomically
};

// Validates the format and the destination (UsageError), reads the report (UsageError /
// ModelError, see report_reader.hpp), writes the export. Returns 0.
int report_command(const ReportCommandOptions& options, std::ostream& out);

}  // namespace tb::exports
