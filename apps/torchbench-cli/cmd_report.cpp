#include <fmt/format.h>

#include <iostream>

#include "cli.hpp"
#include "export/command.hpp"
#include "export/export.hpp"

namespace tb::app {

Subcommand report_subcommand() {
  return {"report", "Export a run report for other tools: gbench, github-action, bmf, junit, csv, markdown",
          [](CLI::App& cmd) -> std::function<int()> {
            auto options = std::make_shared<exports::ReportCommandOptions>();
            auto& o = *options;
            cmd.add_option("report", o.report, "The run report (run -o FILE)")->required()->type_name("REPORT");
            std::string formats;
            for (const auto& f : exports::formats()) formats += fmt::format("\n  {:<14} {}", f.name, f.description);
            cmd.add_option("--format", o.format, "Output format:" + formats)->capture_default_str()->type_name("FMT");
            cmd.add_option("-o,--output", o.output, "Write to FILE (atomically) instead of stdout")->type_name("FILE");
            return [options] { return exports::report_command(*options, std::cout); };
          }};
}

}  // namespace tb::app
