// `passes` and `models`: listings generated from the pass and built-in model tables.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli.hpp"
#include "model/builtin_models.hpp"
#include "passes/pass.hpp"
#include "util/strings.hpp"

namespace tb::app {
namespace {

const char* stage_name(passes::Stage stage) {
  switch (stage) {
    case passes::Stage::process: return "process";
    case passes::Stage::inputs: return "inputs";
    case passes::Stage::model: return "model";
    case passes::Stage::execution: return "execution";
  }
  return "";
}

// What a pass needs and excludes, compactly: " [TorchScript; cpu only; one of grad|no-grad;
// not with bf16, fp16]", or "" when it combines with everything.
std::string constraints(const passes::PassInfo& pass) {
  std::vector<std::string> parts;
  if (pass.needs_torchscript) parts.emplace_back("TorchScript");
  if (!pass.device.empty()) parts.push_back(std::string(pass.device) + " only");
  if (!pass.group.empty()) {
    std::vector<std::string_view> members;
    for (const auto* other : passes::pass_table()) {
      if (other->group == pass.group) members.push_back(other->name);
    }
    parts.push_back("one of " + join(members, "|"));
  }
  if (const auto others = passes::conflicts_of(pass); !others.empty()) parts.push_back("not with " + join(others, ", "));
  return parts.empty() ? "" : "  [" + join(parts, "; ") + "]";
}

}  // namespace

Subcommand passes_subcommand() {
  return {"passes", "List the optimization passes a variant can use", [](CLI::App&) -> std::function<int()> {
            return [] {
              // The PASS column is as wide as the longest usage form ("int8-dynamic[=per-tensor|per-channel]").
              std::size_t width = 20;
              for (const auto* pass : passes::pass_table()) width = std::max(width, passes::usage_form(*pass).size());
              fmt::print("{:<{}} {:<10} {}\n", "PASS", width, "STAGE", "WHAT IT DOES  [NEEDS; EXCLUDES]");
              for (const auto* pass : passes::pass_table()) {
                fmt::print("{:<{}} {:<10} {}{}\n", passes::usage_form(*pass), width, stage_name(pass->stage),
                           pass->summary, constraints(*pass));
              }
              fmt::print(
                  "\nA variant is NAME=PASS[,PASS...], e.g. --variant fast=inference-mode,freeze,optimize,threads=2\n"
                  "Stages run in the order process, inputs, model, execution; within a stage, passes apply in the\n"
                  "order listed here, whatever the order written (trace before freeze, bf16 before both).\n");
              return 0;
            };
          }};
}

Subcommand models_subcommand() {
  return {"models", "List the built-in models (run them as builtin:NAME[:key=value,...])",
          [](CLI::App&) -> std::function<int()> {
            return [] {
              bool first = true;
              for (const auto& row : model::builtin_model_table()) {
                std::string params;
                for (const auto& [key, value] : row.defaults) params += (params.empty() ? "" : ",") + key + "=" + std::to_string(value);
                fmt::print("builtin:{}{}\n    {}\n    parameters: {}\n", row.name, first ? "  (default)" : "",
                           row.description, params);
                first = false;
              }
              return 0;
            };
          }};
}

}  // namespace tb::app
