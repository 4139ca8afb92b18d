#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli.hpp"
#include "compare/command.hpp"

namespace tb::app {

Subcommand compare_subcommand() {
  return {"compare", "A/B verdicts between two reports (or two variants of one): faster, slower, same, inconclusive",
          [](CLI::App& cmd) -> std::function<int()> {
            auto options = std::make_shared<compare::CompareCommandOptions>();
            auto& o = *options;
            cmd.add_option("reports", o.reports, "BASE.json NEW.json, or one report with --a and --b and/or --a-model and --b-model")
                ->required()
                ->expected(1, 2)
                ->type_name("REPORT");
            cmd.add_option("--a", o.a, "With one report: the base variant (also selects its sweep points, NAME/...)")
                ->type_name("VARIANT");
            cmd.add_option("--b", o.b, "With one report: the variant compared against --a")->type_name("VARIANT");
            cmd.add_option("--a-model", o.a_model,
                           "With one report of several models (run A.pt B.pt): the base model; pairs every "
                           "variant it shares with --b-model, or only --a/--b when given")
                ->type_name("MODEL");
            cmd.add_option("--b-model", o.b_model, "With one report: the model compared against --a-model")
                ->type_name("MODEL");
            cmd.add_option("--reference", o.reference,
                           "With two reports: a model measured in both runs that did not change (run MODEL... "
                           "REFERENCE); every other result is judged relative to it, so a machine that got "
                           "faster or slower between the runs does not look like a change")
                ->type_name("MODEL");
            cmd.add_option("--threshold", o.threshold,
                           "Smallest change that matters, as a percentage; changes past half of it can be "
                           "'slower'/'faster' (docs/statistics.md)")
                ->capture_default_str()
                ->type_name("PCT");
            cmd.add_option("--alpha", o.alpha, "Significance level of the Mann-Whitney test; the CI is at 1 - alpha")
                ->capture_default_str()
                ->type_name("P");
            cmd.add_option("--fail-on", o.fail_on,
                           "Exit 1 on: never, slower (slower or newly failing), inconclusive (also inconclusive), "
                           "any-change (anything but same)")
                ->capture_default_str()
                ->type_name("LEVEL");
            cmd.add_option("--format", o.format, "table, markdown (for a pull request comment) or json")
                ->capture_default_str()
                ->type_name("FORMAT");
            cmd.add_option("--color", o.color, "auto (a terminal without NO_COLOR), always or never")
                ->capture_default_str()
                ->type_name("WHEN");
            return [options] {
              options->stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1;
              options->no_color = std::getenv("NO_COLOR");
              return compare::compare_command(*options, std::cout, std::cerr);
            };
          }};
}

}  // namespace tb::app
