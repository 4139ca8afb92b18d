// `threads=N`: intra-op thread pool size (at::set_num_threads / torch.set_num_threads).
#include <ATen/Parallel.h>

#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kThreadsPass = {
    .name = "threads",
    .summary = "intra-op threads (torch.set_num_threads)",
    .stage = Stage::process,
    .value = ValueKind::positive_int,
    .apply = [](VariantContext&, const PassSpec& pass) { at::set_num_threads(static_cast<int>(int_value(pass))); },
};

}  // namespace tb::passes
