// `seq-len=N`: sets dim 1 of every input with two or three dimensions to N: the sequence
// length of token-id models ([batch, seq]), of their masks, and of [batch, seq, features]
// embeddings, so that `--sweep seq-len=32,128,512` measures how latency grows with the
// sequence, as `--sweep batch=...` does with the batch. Inputs with four or more dimensions
// are images or videos, whose dim 1 is channels: they keep their shape, and a model with no
// sequence input is skipped. Inputs stay row-seeded (each row is drawn from its own seed),
// so batch=N and seq-len=N combine freely. Outputs of a different length than the
// baseline's are not compared (the report says so).
#include "passes/pass.hpp"

namespace tb::passes {

extern const PassInfo kSeqLenPass = {
    .name = "seq-len",
    .summary = "sequence length: sets dim 1 of every input with 2 or 3 dimensions to N",
    .stage = Stage::inputs,
    .value = ValueKind::positive_int,
    .apply = [](VariantContext& context, const PassSpec& pass) {
      bool any = false;
      for (auto& input : context.inputs) {
        if (input.shape.size() < 2 || input.shape.size() > 3) continue;
        input.shape[1] = int_value(pass);
        any = true;
      }
      if (!any) {
        throw Unsupported("seq-len: the model has no sequence input (2 or 3 dimensions: [batch, seq] or "
                          "[batch, seq, features])");
      }
    },
};

}  // namespace tb::passes
