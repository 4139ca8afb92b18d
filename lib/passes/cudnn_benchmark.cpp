// `cudnn-benchmark`: cuDNN autotuning (torch.backends.cudnn.benchmark = True): the first call
// of each convolution shape tries the algorithms and keeps the fastest. The tuning happens
// in the first call and warm-up, so it is in cold_ms, not in the samples.
#include <ATen/Context.h>

#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kCudnnBenchmarkPass = {
    .name = "cudnn-benchmark",
    .summary = "cuDNN picks the fastest convolution algorithm per shape (cudnn.benchmark)",
    .stage = Stage::process,
    .device = "cuda",
    .apply = [](VariantContext&, const PassSpec&) { at::globalContext().setBenchmarkCuDNN(true); },
};

}  // namespace tb::passes
