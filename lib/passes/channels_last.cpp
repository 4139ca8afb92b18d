// `channels-last`: 4-D floating weights and inputs in torch.channels_last memory format
// (NHWC strides, same shape). PyTorch's CPU performance guides recommend it for CNNs:
// oneDNN convolutions run natively in NHWC and skip the reorders NCHW needs, and the
// layout propagates through conv/batch_norm/relu/pooling. It changes nothing for a model
// without image-shaped inputs, so such a model is skipped with the reason rather than
// measured as a copy of the baseline.
#include "model/model.hpp"
#include "passes/module_tensors.hpp"
#include "passes/pass.hpp"

namespace tb::passes {
namespace {

bool is_image_like(const at::Tensor& t) { return t.dim() == 4 && t.is_floating_point(); }

std::optional<at::Tensor> to_channels_last(const at::Tensor& t) {
  if (!is_image_like(t) || t.is_contiguous(at::MemoryFormat::ChannelsLast)) return std::nullopt;
  return t.contiguous(at::MemoryFormat::ChannelsLast);
}

}  // namespace

extern const PassInfo kChannelsLastPass = {
    .name = "channels-last",
    .summary = "4-D weights and inputs in channels_last (NHWC) memory format, for CNNs",
    .stage = Stage::model,
    .needs_torchscript = true,
    .apply = [](VariantContext& context, const PassSpec&) {
      bool any_image = false;
      if (context.input_values) {
        for (auto& value : *context.input_values) {
          if (!value.isTensor() || !is_image_like(value.toTensor())) continue;
          any_image = true;
          if (auto converted = to_channels_last(value.toTensor())) value = *converted;
        }
      }
      if (!any_image) {
        throw Unsupported("channels-last: the model has no 4-D floating-point input (N, C, H, W); "
                          "the layout only applies to image models");
      }
      convert_module_tensors(*context.model->torchscript(), to_channels_last);
    },
};

}  // namespace tb::passes
