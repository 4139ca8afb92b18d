#include "cli.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <vector>

#include "util/errors.hpp"
#include "util/markup.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace tb::app {
namespace {

std::vector<Subcommand> subcommands() {
  return {run_subcommand(),    compare_subcommand(), tune_subcommand(),   report_subcommand(), merge_subcommand(),
          env_subcommand(),    passes_subcommand(),  models_subcommand(), worker_subcommand()};
}

// One line, whatever the message holds (a file name with a newline, a model's own error).
int fail(ExitCode code, const std::string& message) {
  std::cerr << "torchbench-cli: error: " << printable(message) << std::endl;
  return static_cast<int>(code);
}

// What a command printed must have reached stdout: a report written with `-o -` into a full
// disk or a closed pipe is an error, not a silent success.
int check_stdout(int code) {
  errno = 0;
  std::cout.flush();
  if (std::cout) return code;
  const std::string reason = errno ? std::strerror(errno) : "write error";
  return fail(ExitCode::usage, "cannot write to standard output (" + reason + "); free space or redirect it elsewhere");
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
    return check_stdout(app.exit(e));  // --help, --version
  } catch (const CLI::CallForHelp& e) {
    return check_stdout(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return check_stdout(app.exit(e));
  } catch (const CLI::ParseError& e) {
    std::string where = "torchbench-cli";
    for (const auto* sub : app.get_subcommands()) where += " " + sub->get_name();
    return fail(ExitCode::usage, std::string(e.what()) + " (see '" + where + " --help')");
  }

  try {
    return check_stdout(action ? action() : static_cast<int>(ExitCode::ok));
  } catch (const Error& e) {
    return fail(e.code(), e.what());
  } catch (const std::exception& e) {
    return fail(ExitCode::model_input, std::string("unexpected error: ") + e.what());
  }
}

}  // namespace tb::app
