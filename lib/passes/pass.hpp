#pragma once
// An optimization pass: one row in the pass table (registry.cpp), one file each.
// A variant is an ordered list of passes; the worker applies them stage by stage.
#include <any>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
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
namespace c10 {
struct IValue;
}

namespace tb::passes {

// When a pass acts, in this order, inside the variant's worker process. Within a stage the
// passes apply in the order of the pass table, not the order the user wrote them, so that
// `freeze,trace` and `trace,freeze` are the same variant (trace, then freeze).
enum class Stage {
  process,    // before the model is loaded: process-wide settings (threads, pin, fuser)
  inputs,     // rewrite the input specs (batch size, sequence length)
  model,      // transform the loaded model (bf16, channels-last, trace, freeze, optimize)
  execution,  // thread-local state around the timed calls (autograd mode, autocast)
};

// How each timed call runs when an execution pass changes it (cuda-graph replays a captured
// graph, streams=N runs the model on N streams): the worker calls run() instead of the model.
class CallRunner {
 public:
  virtual ~CallRunner() = default;
  virtual c10::IValue run(const std::vector<c10::IValue>& inputs) = 0;
  // Model calls one run() makes (streams=N: N), for throughput.
  virtual std::int64_t calls_per_run() const { return 1; }
  // streams=N: every stream's own device times of its calls so far, one series per stream.
  virtual std::vector<std::vector<double>> per_stream_ms() const { return {}; }
};

// What the passes of one variant work on.
struct VariantContext {
  std::vector<InputSpec> inputs;   // stage inputs: the specs that will run
  model::Model* model = nullptr;   // stages model and execution
  c10::Device device{c10::kCPU};   // every stage
  // Stages model and execution: the generated input tensors the timed calls will use. A
  // model pass may use them as example inputs (trace) or convert them in place without
  // changing their values beyond rounding (bf16, channels-last); one that changes a dtype
  // updates `inputs` to match, so the report shows what ran.
  std::vector<c10::IValue>* input_values = nullptr;
  // Stage execution: RAII guards (e.g. c10::InferenceMode) held for the whole warm-up and
  // measurement, on the thread that runs them.
  std::vector<std::shared_ptr<void>> scopes;
  // Stage execution: set by at most one pass (cuda-graph, streams=N); null = call the model.
  std::shared_ptr<CallRunner> runner;
  // One line each on what a pass did (e.g. how many layers it quantized), for the report.
  std::vector<std::string> notes;
};

// Thrown by a pass that cannot work with this LibTorch build or on this machine (e.g. no
// quantized engine, no LLVM), or that does not apply to the model (channels-last without
// an image input, no Linear layer to quantize): the variant is recorded as skipped with
// this reason, not as failed.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ValueKind {
  none,          // `freeze`
  positive_int,  // `threads=4`
  choice,        // `autocast=bf16`: one of PassInfo::choices
  cpu_list,      // `pin=0-3,6`: CPU numbers and ranges
};

// One row of the pass table. Written with designated initializers; fields left out keep
// their defaults. Requirements and conflicts are checked by validate_variant before any
// worker starts, so an impossible combination never runs.
struct PassInfo {
  std::string_view name;
  std::string_view summary;  // one line for `torchbench-cli passes`
  Stage stage = Stage::model;
  ValueKind value = ValueKind::none;
  std::span<const std::string_view> choices = {};  // ValueKind::choice: the accepted values
  std::string_view default_value = {};  // ValueKind::choice: the value of a bare `name`; "" = required
  std::string_view group = {};          // passes of the same non-empty group exclude each other
  bool needs_torchscript = false;       // refuses a model without a TorchScript module
  std::string_view device = {};         // "cpu" or "cuda": the only device type it supports; "" = any
  std::span<const std::string_view> conflicts = {};  // passes it cannot share a variant with
  std::string_view conflict_reason = {};             // why, appended to the error
  // What the fields above cannot say (a conflict that depends on a value, CPUs this process
  // may not use), checked by validate_variant: "" when the pass is fine in this variant on
  // this device, else the reason, which becomes a UsageError naming the variant.
  std::string (*check)(const PassSpec& pass, const VariantSpec& variant, const c10::Device& device) = nullptr;
  // Applies the pass; `value` is validated already. Throws on failure (the variant fails).
  void (*apply)(VariantContext& context, const PassSpec& pass) = nullptr;
};

// The pass table, in listing order.
std::span<const PassInfo* const> pass_table();

// nullptr when no pass has that name.
const PassInfo* find_pass(std::string_view name);

// Every pass name, in table order (for did-you-mean suggestions and listings).
std::vector<std::string_view> pass_names();

// Checks every pass of a variant: known names (with a did-you-mean), values of the right
// kind, no duplicates, no two passes of one group, the device each pass needs, declared
// conflicts and each pass's own check. Throws UsageError naming the variant and the reason.
// `DeviceChecks::skip` (`run --list` planning for a device this machine lacks) leaves out the
// own checks of the passes tied to a device: they ask that device's build (cuda-graph).
enum class DeviceChecks { run, skip };
void validate_variant(const VariantSpec& variant, const c10::Device& device = c10::Device(c10::kCPU),
                      DeviceChecks device_checks = DeviceChecks::run);

// The passes `pass` cannot share a variant with: its own conflicts and the passes that name
// it in theirs, in table order.
std::vector<std::string_view> conflicts_of(const PassInfo& pass);

// Applies the variant's passes of one stage in table order (see Stage). Stage model first
// checks that the model has a TorchScript module when any pass of the variant needs one
// (process passes run before there is a model). Throws what a pass throws.
void apply_stage(Stage stage, const std::vector<PassSpec>& passes, VariantContext& context);

// The value of a validated positive_int pass.
std::int64_t int_value(const PassSpec& pass);

// The value of a validated choice pass: what the user wrote, or the pass's default_value.
std::string_view choice_value(const PassSpec& pass);

// The CPUs of a `cpu_list` value ("0-3,6" -> 0,1,2,3,6), sorted and unique; nullopt when
// the text is not a valid list.
std::optional<std::vector<int>> parse_cpu_list(std::string_view text);

// How a pass is written in listings: "threads=N", "autocast=bf16|fp16", "pin=CPUS".
std::string usage_form(const PassInfo& pass);

}  // namespace tb::passes
