#include <array>
#include <set>

#include "model/model.hpp"
#include "passes/pass.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb::passes {

// One definition per file in this folder.
extern const PassInfo kGradPass;
extern const PassInfo kNoGradPass;
extern const PassInfo kInferenceModePass;
extern const PassInfo kFreezePass;
extern const PassInfo kOptimizePass;
extern const PassInfo kThreadsPass;
extern const PassInfo kInteropThreadsPass;
extern const PassInfo kBatchPass;

namespace {

const std::array<const PassInfo*, 8> kTable = {
    &kGradPass,   &kNoGradPass,  &kInferenceModePass,  &kFreezePass,
    &kOptimizePass, &kThreadsPass, &kInteropThreadsPass, &kBatchPass,
};

}  // namespace

std::span<const PassInfo* const> pass_table() { return kTable; }

const PassInfo* find_pass(std::string_view name) {
  for (const auto* pass : kTable) {
    if (pass->name == name) return pass;
  }
  return nullptr;
}

std::vector<std::string_view> pass_names() {
  std::vector<std::string_view> names;
  for (const auto* pass : kTable) names.push_back(pass->name);
  return names;
}

std::int64_t int_value(const PassSpec& pass) { return *parse_int(*pass.value); }

void validate_variant(const VariantSpec& variant) {
  const std::string where = "variant '" + variant.name + "': ";
  std::set<std::string_view> seen_names, seen_groups;
  for (const auto& spec : variant.passes) {
    const auto* pass = find_pass(spec.name);
    if (!pass) {
      throw UsageError(where + "unknown pass '" + spec.name + "'" + did_you_mean(spec.name, pass_names()) +
                       "; `torchbench-cli passes` lists them");
    }
    if (pass->value == ValueKind::none && spec.value) {
      throw UsageError(where + "pass '" + spec.name + "' takes no value; write just " + spec.name);
    }
    if (pass->value == ValueKind::positive_int) {
      const auto value = spec.value ? parse_int(*spec.value) : std::nullopt;
      if (!value || *value < 1) {
        throw UsageError(where + "pass '" + spec.name + "' needs a positive integer, e.g. " + spec.name + "=4" +
                         (spec.value ? " (got '" + *spec.value + "')" : ""));
      }
    }
    if (!seen_names.insert(pass->name).second) {
      throw UsageError(where + "pass '" + spec.name + "' appears twice");
    }
    if (!pass->group.empty() && !seen_groups.insert(pass->group).second) {
      std::vector<std::string_view> others;
      for (const auto* p : kTable) {
        if (p->group == pass->group) others.push_back(p->name);
      }
      throw UsageError(where + "passes " + join(others, ", ") + " exclude each other; keep one");
    }
  }
}

void apply_stage(Stage stage, const std::vector<PassSpec>& passes, VariantContext& context) {
  for (const auto& spec : passes) {
    const auto* pass = find_pass(spec.name);
    if (!pass || pass->stage != stage) continue;
    if (pass->needs_torchscript && (!context.model || !context.model->torchscript())) {
      throw std::runtime_error("pass '" + spec.name + "' needs a TorchScript model");
    }
    pass->apply(context, spec);
  }
}

}  // namespace tb::passes
