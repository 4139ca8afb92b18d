#include "passes/precision.hpp"

#include "model/inputs.hpp"
#include "model/model.hpp"
#include "passes/module_tensors.hpp"

namespace tb::passes {

void cast_model_and_inputs(VariantContext& context, std::string_view pass, DType dtype) {
  const auto type = model::to_scalar_type(dtype);
  const auto cast = [&](const at::Tensor& t) -> std::optional<at::Tensor> {
    if (!t.is_floating_point() || t.scalar_type() == type) return std::nullopt;
    return t.to(type);
  };
  const auto converted = convert_module_tensors(*context.model->torchscript(), cast);
  if (converted == 0) {
    throw Unsupported(std::string(pass) + ": the model holds no floating-point tensor to cast");
  }
  if (!context.input_values) return;
  for (std::size_t i = 0; i < context.input_values->size(); ++i) {
    auto& value = (*context.input_values)[i];
    if (!value.isTensor()) continue;
    if (auto replacement = cast(value.toTensor())) {
      value = *replacement;
      if (i < context.inputs.size()) context.inputs[i].dtype = dtype;
    }
  }
}

}  // namespace tb::passes
