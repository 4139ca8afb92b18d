// `autocast[=bf16|fp16]`: automatic mixed precision (torch.autocast) on the model's device
// around the timed calls. Weights stay float32; ops on autocast's lower-precision list
// (linear, matmul, conv, ...) cast their inputs to the chosen dtype, the others run in
// float32. TorchScript models get it too: the interpreter dispatches every op through the
// autocast kernels, and the JIT autocast pass (on by default in LibTorch 2.x) sees the same
// state when it optimizes a graph at its first call.
//
// The scope is entered once for the whole warm-up and measurement, like a server that wraps
// its request loop in autocast: the casts of parameters that require grad are cached across
// calls. Frozen or traced-then-frozen models hold constants instead, cast on every call.
#include <ATen/autocast_mode.h>

#include <array>

#include "passes/pass.hpp"

namespace tb::passes {
namespace {

constexpr std::array<std::string_view, 2> kDtypes = {"bf16", "fp16"};

// torch.autocast(device_type, dtype) as an RAII guard; restores the previous state.
class AutocastScope {
 public:
  AutocastScope(c10::DeviceType device, c10::ScalarType dtype)
      : device_(device),
        was_enabled_(at::autocast::is_autocast_enabled(device)),
        previous_dtype_(at::autocast::get_autocast_dtype(device)) {
    at::autocast::set_autocast_dtype(device, dtype);
    at::autocast::set_autocast_enabled(device, true);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(device_, was_enabled_);
    at::autocast::set_autocast_dtype(device_, previous_dtype_);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_;
  bool was_enabled_;
  c10::ScalarType previous_dtype_;
};

}  // namespace

extern const PassInfo kAutocastPass = {
    .name = "autocast",
    .summary = "automatic mixed precision (torch.autocast) on the model's device, weights stay float32",
    .stage = Stage::execution,
    .value = ValueKind::choice,
    .choices = kDtypes,
    .default_value = "bf16",
    .apply = [](VariantContext& context, const PassSpec& pass) {
      const auto device = context.device.type();
      if (!at::autocast::is_autocast_available(device)) {
        throw Unsupported("autocast: this LibTorch has no autocast for " + context.device.str());
      }
      const auto dtype = choice_value(pass) == "fp16" ? at::kHalf : at::kBFloat16;
      context.scopes.push_back(std::make_shared<AutocastScope>(device, dtype));
    },
};

}  // namespace tb::passes
