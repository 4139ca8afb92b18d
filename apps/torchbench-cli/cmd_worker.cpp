#include "cli.hpp"
#include "measure/worker.hpp"

namespace tb::app {

Subcommand worker_subcommand() {
  return {"__worker", "Run one variant (internal: started by `run`, one process per variant)",
          [](CLI::App& cmd) -> std::function<int()> {
            struct Options {
              std::string job, result;
              bool serve = false;
            };
            auto o = std::make_shared<Options>();
            cmd.add_option("--job", o->job, "Job file")->required();
            cmd.add_option("--result", o->result, "Result file")->required();
            cmd.add_flag("--serve", o->serve, "Measure in rounds on command (stdin, replies on fd 3)");
            return [o] { return measure::worker_main(o->job, o->result, o->serve); };
          }};
}

}  // namespace tb::app
