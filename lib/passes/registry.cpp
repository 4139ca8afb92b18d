#include <algorithm>
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
extern const PassInfo kSeqLenPass;
extern const PassInfo kBf16Pass;
extern const PassInfo kFp16Pass;
extern const PassInfo kChannelsLastPass;
extern const PassInfo kTracePass;
extern const PassInfo kAutocastPass;
extern const PassInfo kPinPass;
extern const PassInfo kExecutorPass;
extern const PassInfo kFuserPass;
extern const PassInfo kInt8DynamicPass;
extern const PassInfo kFp16DynamicPass;
extern const PassInfo kTf32Pass;
extern const PassInfo kCudnnBenchmarkPass;
extern const PassInfo kCudaGraphPass;
extern const PassInfo kStreamsPass;

namespace {

// Listing order, and the order passes of one stage apply in: in stage model, dtype and
// layout first (their tensors are what trace records and freeze folds), then trace, then
// freeze, then the dynamic quantization of the frozen Linear weights, then optimize; in stage process, pin before threads (pin sets the thread count to
// the pinned CPUs, an explicit threads=N overrides it).
const std::array<const PassInfo*, 23> kTable = {
    // execution
    &kGradPass, &kNoGradPass, &kInferenceModePass, &kAutocastPass, &kCudaGraphPass, &kStreamsPass,
    // model
    &kBf16Pass, &kFp16Pass, &kChannelsLastPass, &kTracePass, &kFreezePass, &kInt8DynamicPass,
    &kFp16DynamicPass, &kOptimizePass,
    // process
    &kPinPass, &kThreadsPass, &kInteropThreadsPass, &kExecutorPass, &kFuserPass, &kTf32Pass,
    &kCudnnBenchmarkPass,
    // inputs
    &kBatchPass, &kSeqLenPass,
};

bool names(std::span<const std::string_view> list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

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

std::string_view choice_value(const PassSpec& pass) {
  if (pass.value) return *pass.value;
  const auto* info = find_pass(pass.name);
  return info ? info->default_value : std::string_view{};
}

std::optional<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::set<int> cpus;
  for (const auto& part : split(text, ',')) {
    const auto dash = part.find('-');
    const auto first = parse_int(dash == std::string::npos ? part : part.substr(0, dash));
    const auto last = dash == std::string::npos ? first : parse_int(part.substr(dash + 1));
    if (!first || !last || *first < 0 || *last < *first || *last > 65535) return std::nullopt;
    for (auto cpu = *first; cpu <= *last; ++cpu) cpus.insert(static_cast<int>(cpu));
  }
  if (cpus.empty()) return std::nullopt;
  return std::vector<int>(cpus.begin(), cpus.end());
}

std::string usage_form(const PassInfo& pass) {
  std::string form(pass.name);
  switch (pass.value) {
    case ValueKind::none: break;
    case ValueKind::positive_int: form += "=N"; break;
    case ValueKind::cpu_list: form += "=CPUS"; break;
    case ValueKind::choice: {
      std::vector<std::string_view> values(pass.choices.begin(), pass.choices.end());
      form += (pass.default_value.empty() ? "=" : "[=") + join(values, "|") + (pass.default_value.empty() ? "" : "]");
      break;
    }
  }
  return form;
}

namespace {

void check_value(const std::string& where, const PassInfo& pass, const PassSpec& spec) {
  switch (pass.value) {
    case ValueKind::none:
      if (spec.value) throw UsageError(where + "pass '" + spec.name + "' takes no value; write just " + spec.name);
      return;
    case ValueKind::positive_int: {
      const auto value = spec.value ? parse_int(*spec.value) : std::nullopt;
      if (!value || *value < 1) {
        throw UsageError(where + "pass '" + spec.name + "' needs a positive integer, e.g. " + spec.name + "=4" +
                         (spec.value ? " (got '" + *spec.value + "')" : ""));
      }
      return;
    }
    case ValueKind::cpu_list:
      if (!spec.value || !parse_cpu_list(*spec.value)) {
        throw UsageError(where + "pass '" + spec.name + "' needs a CPU list such as " + spec.name + "=0-3,6" +
                         (spec.value ? " (got '" + *spec.value + "')" : ""));
      }
      return;
    case ValueKind::choice: {
      if (!spec.value && !pass.default_value.empty()) return;
      std::vector<std::string_view> values(pass.choices.begin(), pass.choices.end());
      if (spec.value && std::find(values.begin(), values.end(), *spec.value) != values.end()) return;
      throw UsageError(where + "pass '" + spec.name + "' takes one of " + join(values, ", ") +
                       (spec.value ? " (got '" + *spec.value + "'" + did_you_mean(*spec.value, values) + ")"
                                   : ", e.g. " + spec.name + "=" + std::string(values.front())));
    }
  }
}

}  // namespace

void validate_variant(const VariantSpec& variant, const c10::Device& device, DeviceChecks device_checks) {
  const std::string where = "variant '" + variant.name + "': ";
  std::set<std::string_view> seen_names, seen_groups;
  for (const auto& spec : variant.passes) {
    const auto* pass = find_pass(spec.name);
    if (!pass) {
      throw UsageError(where + "unknown pass '" + spec.name + "'" + did_you_mean(spec.name, pass_names()) +
                       "; `torchbench-cli passes` lists them");
    }
    check_value(where, *pass, spec);
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
    if (!pass->device.empty() && c10::DeviceTypeName(device.type(), /*lower_case=*/true) != pass->device) {
      throw UsageError(where + "pass '" + spec.name + "' works only on --device " + std::string(pass->device) +
                       ", not " + device.str());
    }
  }
  // Declared conflicts, in either direction.
  for (const auto& a : variant.passes) {
    const auto* pass = find_pass(a.name);
    for (const auto& b : variant.passes) {
      if (!names(pass->conflicts, b.name)) continue;
      throw UsageError(where + "passes " + a.name + " and " + b.name + " cannot be combined" +
                       (pass->conflict_reason.empty() ? "" : ": " + std::string(pass->conflict_reason)));
    }
  }
  for (const auto& spec : variant.passes) {
    const auto* pass = find_pass(spec.name);
    if (!pass->check || (device_checks == DeviceChecks::skip && !pass->device.empty())) continue;
    if (const auto reason = pass->check(spec, variant, device); !reason.empty()) throw UsageError(where + reason);
  }
}

std::vector<std::string_view> conflicts_of(const PassInfo& pass) {
  std::vector<std::string_view> result;
  for (const auto* other : kTable) {
    if (names(pass.conflicts, other->name) || names(other->conflicts, pass.name)) result.push_back(other->name);
  }
  return result;
}

void apply_stage(Stage stage, const std::vector<PassSpec>& passes, VariantContext& context) {
  if (stage == Stage::model) {
    for (const auto& spec : passes) {
      const auto* pass = find_pass(spec.name);
      if (pass && pass->needs_torchscript && (!context.model || !context.model->torchscript())) {
        throw std::runtime_error("pass '" + spec.name + "' needs a TorchScript model");
      }
    }
  }
  for (const auto* pass : kTable) {
    if (pass->stage != stage) continue;
    for (const auto& spec : passes) {
      if (spec.name == pass->name) pass->apply(context, spec);
    }
  }
}

}  // namespace tb::passes
