#include <iostream>

#include "cli.hpp"
#include "report/merge.hpp"

namespace tb::app {

Subcommand merge_subcommand() {
  return {"merge", "Merge the shard reports of one suite (run --config F --shard I/N) into one report",
          [](CLI::App& cmd) -> std::function<int()> {
            auto options = std::make_shared<report::MergeCommandOptions>();
            auto& o = *options;
            cmd.add_option("reports", o.reports, "The shard reports, in any order")
                ->required()
                ->type_name("REPORT...");
            cmd.add_option("-o,--output", o.output, "Write the merged report to FILE, atomically ('-' for stdout)")
                ->required()
                ->type_name("FILE");
            cmd.add_flag("-q,--quiet", o.quiet, "No summary line on stderr (warnings are still printed)");
            return [options] { return report::merge_command(*options, std::cout, std::cerr); };
          }};
}

}  // namespace tb::app
