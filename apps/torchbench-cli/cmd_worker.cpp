#include "cli.hpp"
#include "measure/worker.hpp"

namespace tb::app {

Subcommand worker_subcommand() {
  return {"__worker", "Run one variant (internal: started by `run`, one process per variant)",
          [](CLI::App& cmd) -> std::function<int()> {
            auto paths = std::make_shared<std::pair<std::string, std::string>>();
            cmd.add_option("--job", paths->first, "Job file")->required();
            cmd.add_option("--result", paths->second, "Result file")->required();
            return [paths] { return measure::worker_main(paths->first, paths->second); };
          }};
}

}  // namespace tb::app
