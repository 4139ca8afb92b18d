#include "cli.hpp"

#include <iostream>
#include <vector>

#include "util/errors.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace tb::app {
namespace {

std::vector<Subcommand> subcommands() {
  return {run_subcommand(),    compare_subcommand(), report_subcommand(), env_subcommand(),
          passes_subcommand(), models_subcommand(),  worker_subcommand()};
}

int fail(ExitCode code, const std::string& message) {
  std::cerr << "torchbench-cli: error: " << message << std::endl;
  return static_cast<int>(code);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"torchbench-cli: benchmark and tune PyTorch inference with LibTorch"};
  app.set_version_flag("--version", std::string("torchbench-cli ") + tool_version() + " (" + git_sha() + ")");
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 1 gate failed, 2 usage error, 3 model or input error, 4 some variants failed.");

  const auto table = subcommands();
  std::vector<std::string_view> names;
  std::function<int()> action;
  for (const auto& sub : table) {
    auto* command = app.add_subcommand(std::string(sub.name), std::string(sub.description));
    if (sub.name.starts_with("__")) {
      command->group("");  // hidden from --help
    } else {
      names.push_back(sub.name);
    }
    auto run = sub.setup(*command);
    command->callback([&action, run] { action = run; });
  }

  // An unknown subcommand gets a did-you-mean rather than CLI11's generic message.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string_view first = argv[1];
    bool known = false;
    for (const auto& sub : table) known |= sub.name == first;
    if (!known) {
      return fail(ExitCode::usage, "unknown command '" + std::string(first) + "'" + did_you_mean(first, names) +
                                       "; commands: " + join(names, ", ") + " (see --help)");
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string where = "torchbench-cli";
    for (const auto* sub : app.get_subcommands()) where += " " + sub->get_name();
    return fail(ExitCode::usage, std::string(e.what()) + " (see '" + where + " --help')");
  }

  try {
    return action ? action() : static_cast<int>(ExitCode::ok);
  } catch (const Error& e) {
    return fail(e.code(), e.what());
  } catch (const std::exception& e) {
    return fail(ExitCode::model_input, std::string("unexpected error: ") + e.what());
  }
}

}  // namespace tb::app
