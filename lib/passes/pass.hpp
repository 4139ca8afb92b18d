#pragma once
// An optimization pass: one row in the pass table (registry.cpp), one file each.
// A variant is an ordered list of passes; the worker applies them stage by stage.
#include <any>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <c10/core/Device.h>

#include "core/input_spec.hpp"
#include "core/variant_spec.hpp"

// Only c10's Device: this header is included by the CLI and the orchestrator, which must not
// pay for the full LibTorch headers. Pass files include model/model.hpp themselves.
namespace tb::model {
class Model;
}

namespace tb::passes {

// When a pass acts, in this order, inside the variant's worker process.
enum class Stage {
  process,    // before the model is loaded: process-wide settings (threads, interop threads)
  inputs,     // rewrite the input specs (batch size)
  model,      // transform the loaded model (freeze, optimize_for_inference)
  execution,  // thread-local state around the timed calls (autograd mode)
};

// What the passes of one variant work on.
struct VariantContext {
  std::vector<InputSpec> inputs;   // stage inputs: the specs that will run
  model::Model* model = nullptr;   // stages model and execution
  c10::Device device{c10::kCPU};
  // Stage execution: RAII guards (e.g. c10::InferenceMode) held for the whole warm-up and
  // measurement, on the thread that runs them.
  std::vector<std::shared_ptr<void>> scopes;
};

enum class ValueKind { none, positive_int };

struct PassInfo {
  std::string_view name;
  std::string_view summary;     // one line for `torchbench-cli passes`
  ValueKind value = ValueKind::none;
  std::string_view group;       // passes of the same non-empty group exclude each other
  Stage stage = Stage::model;
  bool needs_torchscript = false;  // refuses a model without a TorchScript module
  // Applies the pass; `value` is validated already. Throws on failure (the variant fails).
  void (*apply)(VariantContext& context, const PassSpec& pass);
};

// The pass table, in listing order.
std::span<const PassInfo* const> pass_table();

// nullptr when no pass has that name.
const PassInfo* find_pass(std::string_view name);

// Every pass name, in table order (for did-you-mean suggestions and listings).
std::vector<std::string_view> pass_names();

// Checks every pass of a variant: known names (with a did-you-mean), values of the right
// kind, no duplicates, no two passes of one group. Throws UsageError naming the variant.
void validate_variant(const VariantSpec& variant);

// Applies the variant's passes of one stage, in the order the user gave them.
void apply_stage(Stage stage, const std::vector<PassSpec>& passes, VariantContext& context);

// The value of a validated positive_int pass.
std::int64_t int_value(const PassSpec& pass);

}  // namespace tb::passes
