#include <iostream>

#include "cli.hpp"
#include "measure/runtime_info.hpp"
#include "report/environment.hpp"
#include "util/system_info.hpp"

namespace tb::app {

Subcommand env_subcommand() {
  return {"env", "Print the environment block that reports record (machine, CPU, LibTorch, GPU)",
          [](CLI::App& cmd) -> std::function<int()> {
            auto json = std::make_shared<bool>(false);
            cmd.add_flag("--json", *json, "Print JSON instead of a table");
            return [json] {
              const auto env = report::environment_json(read_system_info(), measure::libtorch_info(), "cpu");
              std::cout << (*json ? env.dump(2) + "\n" : report::environment_text(env));
              return 0;
            };
          }};
}

}  // namespace tb::app
