#pragma once
// The model backend interface. Every source (a TorchScript file, a built-in architecture)
// yields a Model; passes and the timing loop only see this interface. Today both backends
// produce TorchScript modules; an AOTInductor (.pt2) backend would return nullptr from
// torchscript() and passes that need TorchScript refuse it with a clear reason.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <torch/script.h>

#include "core/input_spec.hpp"
#include "core/model_ref.hpp"
#include "model/model_check.hpp"

namespace tb::model {

class Model {
 public:
  virtual ~Model() = default;

  // "torchscript" or "builtin".
  virtual std::string_view backend() const = 0;

  // Inputs the model carries with it (built-in defaults or archive metadata); may be empty.
  virtual const std::vector<InputSpec>& declared_inputs() const = 0;

  // The forward signature without `self`, e.g. "forward(x: Tensor, mask: Tensor)", and how
  // many arguments have no default (the inputs a caller must give).
  virtual std::string signature() const = 0;
  virtual std::size_t required_inputs() const = 0;

  // One inference call. Throws what the model throws (c10::Error, ...).
  virtual c10::IValue run(const std::vector<c10::IValue>& inputs) = 0;

  virtual void to(c10::Device device) = 0;

  // The TorchScript module behind this model, or nullptr for a non-TorchScript backend.
  // Graph passes replace it through set_torchscript().
  virtual torch::jit::Module* torchscript() = 0;
  virtual void set_torchscript(torch::jit::Module module) = 0;
};

// Loads a file or builds a built-in (weights from `seed`), in eval mode. Throws ModelError
// (exit code 3) naming the file or built-in and the reason; UsageError for unknown built-in
// parameters.
std::unique_ptr<Model> load_model(const ModelRef& ref, std::uint64_t seed);

// Name of the extra file inside a TorchScript archive that declares its inputs:
// {"version": 1, "inputs": ["1x3x224x224:float32", ...]} (see docs/report-schema.md).
inline constexpr const char* kInputMetadataFile = "torchbench_inputs.json";

}  // namespace tb::model
