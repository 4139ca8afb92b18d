#pragma once
// `torchbench-cli compare`: the options as the command line gives them, and the command.
#include <ostream>
#include <string>
#include <vector>

namespace tb::compare {

enum class ColorMode { automatic, always, never };

// Colour for `always`; for `automatic` only on a terminal and when NO_COLOR is unset or
// empty (https://no-color.org); never for `never`.
bool use_color(ColorMode mode, bool is_terminal, const char* no_color);

struct CompareCommandOptions {
  std::vector<std::string> reports;  // BASE NEW, or one report with a and b
  std::string a, b;                  // variants of one report
  std::string a_model, b_model;      // models of one report
  std::string reference;             // two reports: judge relative to this model
  std::string threshold = "5%";
  std::string alpha = "0.01";
  std::string fail_on = "slower";
  std::string format = "table";  // table | markdown | json
  std::string color = "auto";    // auto | always | never
  bool stdout_is_terminal = false;
  const char* no_color = nullptr;  // the NO_COLOR environment variable
};

// Validates the options (UsageError), reads the reports (UsageError / ModelError), writes the
// chosen format to `out` and one "torchbench-cli: warning: ..." line per warning to `err`.
// Returns the exit code: 1 when a verdict fails the --fail-on gate, else 0.
int compare_command(const CompareCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tb::compare
