// `tf32`: float32 matmuls and convolutions on TensorFloat-32 tensor cores
// (torch.set_float32_matmul_precision("high") and torch.backends.cudnn.allow_tf32): inputs
// rounded to a 10-bit mantissa inside the matmul, float32 accumulation. Process-wide.
#include <ATen/Context.h>

#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kTf32Pass = {
    .name = "tf32",
    .summary = "float32 matmul/conv on TF32 tensor cores (set_float32_matmul_precision('high'))",
    .stage = Stage::process,
    .device = "cuda",
    .apply = [](VariantContext& context, const PassSpec&) {
      auto& torch = at::globalContext();
      torch.setFloat32MatmulPrecision("high");
      torch.setAllowTF32CuDNN(true);
      context.notes.push_back(std::string("tf32: cuBLAS TF32 ") + (torch.allowTF32CuBLAS() ? "on" : "off") +
                              ", cuDNN TF32 " + (torch.allowTF32CuDNN() ? "on" : "off"));
    },
};

}  // namespace tb::passes
