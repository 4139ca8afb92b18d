// `interop-threads=N`: inter-op thread pool size. LibTorch allows setting it once per process
// and only before any inter-op work, which is one reason each variant has its own worker.
#include <ATen/Parallel.h>

#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kInteropThreadsPass = {
    .name = "interop-threads",
    .summary = "inter-op threads (torch.set_num_interop_threads; once per process)",
    .stage = Stage::process,
    .value = ValueKind::positive_int,
    .apply = [](VariantContext&, const PassSpec& pass) { at::set_num_interop_threads(static_cast<int>(int_value(pass))); },
};

}  // namespace tb::passes
