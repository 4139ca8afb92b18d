#pragma once
// The command line: one table of subcommands, each binding its flags to an options struct
// from lib/ and calling into it.
#include <functional>
#include <string_view>

#include <CLI/CLI.hpp>

namespace tb::app {

struct Subcommand {
  std::string_view name;
  std::string_view description;
  // Adds the subcommand's flags to `command`; returns what runs it (an exit code).
  std::function<std::function<int()>(CLI::App& command)> setup;
};

Subcommand env_subcommand();
Subcommand passes_subcommand();
Subcommand models_subcommand();
Subcommand run_subcommand();
Subcommand compare_subcommand();
Subcommand tune_subcommand();
Subcommand report_subcommand();
Subcommand merge_subcommand();
Subcommand worker_subcommand();  // hidden: `__worker`, run by `run` for each variant

// Parses argv, runs the chosen subcommand, maps errors to exit codes (see docs).
int main(int argc, char** argv);

}  // namespace tb::app
