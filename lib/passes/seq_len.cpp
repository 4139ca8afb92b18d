// `seq-len=N`: sets dim 1 of every input with at least two dimensions to N: the sequence
// length of token-id models ([batch, seq]) and of their masks, so that
// `--sweep seq-len=32,128,512` measures how latency grows with the sequence, as
// `--sweep batch=...` does with the batch. Inputs stay row-seeded (each row is drawn from
// its own seed), so batch=N and seq-len=N combine freely. Outputs of a different length
// than the baseline's are not compared (the report says so).
#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kSeqLenPass = {
    .name = "seq-len",
    .summary = "sequence length: sets dim 1 of every input with 2 or more dimensions to N",
    .stage = Stage::inputs,
    .value = ValueKind::positive_int,
    .apply = [](VariantContext& context, const PassSpec& pass) {
      bool any = false;
      for (auto& input : context.inputs) {
        if (input.shape.size() < 2) continue;
        input.shape[1] = int_value(pass);
        any = true;
      }
      if (!any) throw Unsupported("seq-len: the model has no input with a sequence dimension (2 or more dimensions)");
    },
};

}  // namespace tb::passes
