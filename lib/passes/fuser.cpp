// `fuser=none|tensorexpr|onednn`: which TorchScript fuser may merge ops of the optimized
// graph into generated kernels (torch.jit.fuser). Fusers act in the profiling executor, on
// the graph specialized after the first (profiling) calls.
//  - none: no fusion at all (the default on a CPU, where TensorExpr fusion is off).
//  - tensorexpr: NNC, the TensorExpr fuser (torch.jit.fuser("fuser1")): elementwise chains
//    become one loop nest. On a CPU it generates code with LLVM, which the pip wheels of
//    LibTorch are built without: the variant is then skipped.
//  - onednn: oneDNN Graph / LLGA (torch.jit.enable_onednn_fusion, fuser3 without NNC):
//    conv/matmul/linear with their elementwise neighbours become oneDNN partitions. Best on
//    a frozen graph (`freeze`), as PyTorch's guide recommends; needs an MKLDNN build.
// Process-wide switches, set before the model loads.
#include <ATen/Config.h>
#include <torch/csrc/jit/codegen/fuser/interface.h>
#include <torch/csrc/jit/passes/onednn_graph_fuser.h>
#include <torch/csrc/jit/passes/tensorexpr_fuser.h>
#include <torch/csrc/jit/tensorexpr/codegen.h>

#include <array>

#include "passes/pass.hpp"

namespace tb::passes {
namespace {

constexpr std::array<std::string_view, 3> kFusers = {"none", "tensorexpr", "onednn"};

bool llvm_available() {
  try {
    torch::jit::tensorexpr::RegisterCodeGenList::GetInstance().FindStmtFactoryMethod("llvm_codegen");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void set_llga(bool enabled) {
  if (AT_MKLDNN_ENABLED()) torch::jit::RegisterLlgaFuseGraph::setEnabled(enabled);
}

std::string check_fuser(const PassSpec& pass, const VariantSpec& variant, const c10::Device& device) {
  const auto fuser = choice_value(pass);
  if (fuser == "none") return "";
  for (const auto& other : variant.passes) {
    if (other.name == "executor" && choice_value(other) != "profiling") {
      return "fuser=" + std::string(fuser) + " needs the profiling executor (the default), not executor=" +
             std::string(choice_value(other)) + ": the fusers act on the graph it specializes";
    }
  }
  if (fuser == "onednn" && !device.is_cpu()) return "fuser=onednn works only on --device cpu, not " + device.str();
  return "";
}

}  // namespace

extern const PassInfo kFuserPass = {
    .name = "fuser",
    .summary = "TorchScript fuser (profiling executor): none, tensorexpr (NNC; LLVM on a CPU), onednn (oneDNN Graph)",
    .stage = Stage::process,
    .value = ValueKind::choice,
    .choices = kFusers,
    .needs_torchscript = true,
    .check = check_fuser,
    .apply = [](VariantContext& context, const PassSpec& pass) {
      const auto fuser = choice_value(pass);
      const bool tensorexpr = fuser == "tensorexpr";
      if (tensorexpr && context.device.is_cpu() && !llvm_available()) {
        throw Unsupported("fuser=tensorexpr: this LibTorch was built without LLVM, which the TensorExpr fuser needs "
                          "to generate CPU code");
      }
      if (fuser == "onednn" && !AT_MKLDNN_ENABLED()) {
        throw Unsupported("fuser=onednn: this LibTorch was built without MKLDNN (oneDNN)");
      }
      torch::jit::setTensorExprFuserEnabled(tensorexpr);
      torch::jit::overrideCanFuseOnCPU(tensorexpr);
      torch::jit::overrideCanFuseOnGPU(tensorexpr);
      set_llga(fuser == "onednn");
      if (fuser != "none") torch::jit::getExecutorMode() = torch::jit::getProfilingMode() = true;
    },
};

}  // namespace tb::passes
