// "transformer": a BERT-style (post-LayerNorm) encoder, laid out and initialised like
// Hugging Face's BertModel without the token-type embeddings and pooler. Module tree:
//   embeddings.{word_embeddings, position_embeddings, LayerNorm}
//   encoder.layer_<i>.attention.self.{query, key, value}
//   encoder.layer_<i>.attention.output.{dense, LayerNorm}
//   encoder.layer_<i>.intermediate.dense
//   encoder.layer_<i>.output.{dense, LayerNorm}
// Input: token ids [batch, seq] (int64); output: the last hidden state [batch, seq, hidden].
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/built_model.hpp"
#include "model/module_builder.hpp"

namespace tb::model {

namespace {

constexpr double kInitStd = 0.02;  // BERT's initializer_range
constexpr double kLayerNormEps = 1e-12;

torch::jit::Module embedding(ModuleBuilder& b, std::int64_t rows, std::int64_t dim) {
  return b.make("Embedding", {param("weight", b.normal({rows, dim}, kInitStd))}, R"(
def forward(self, ids):
    return torch.embedding(self.weight, ids)
)");
}

torch::jit::Module dense(ModuleBuilder& b, std::int64_t in, std::int64_t out) {
  at::Tensor weight = b.normal({out, in}, kInitStd);
  return b.linear(weight, ModuleBuilder::zeros({out}));
}

// `dense` then residual add and LayerNorm (BertSelfOutput / BertOutput).
torch::jit::Module add_norm(ModuleBuilder& b, const std::string& cls, std::int64_t in,
                            std::int64_t hidden) {
  return b.make(cls, {child("dense", dense(b, in, hidden)),
                      child("LayerNorm", b.layer_norm(hidden, kLayerNormEps))},
                R"(
def forward(self, h, residual):
    return self.LayerNorm.forward(self.dense.forward(h) + residual)
)");
}

torch::jit::Module self_attention(ModuleBuilder& b, std::int64_t hidden, std::int64_t heads) {
  const std::int64_t head_dim = hidden / heads;
  std::vector<Member> members = {
      child("query", dense(b, hidden, hidden)),
      child("key", dense(b, hidden, hidden)),
      child("value", dense(b, hidden, hidden)),
  };
  // The batch and sequence sizes are read at run time so that any input shape works.
  const std::string split = ".view([b, s, " + std::to_string(heads) + ", " +
                            std::to_string(head_dim) + "]).transpose(1, 2)";
  return b.make("BertSelfAttention", members,
                "\ndef forward(self, x):\n"
                "    b = x.size(0)\n"
                "    s = x.size(1)\n"
                "    q = self.query.forward(x)" + split + "\n"
                "    k = self.key.forward(x)" + split + "\n"
                "    v = self.value.forward(x)" + split + "\n"
                "    scores = torch.matmul(q, k.transpose(-1, -2)) / " +
                    float_literal(std::sqrt(static_cast<double>(head_dim))) + "\n"
                "    probs = torch.softmax(scores, -1)\n"
                "    context = torch.matmul(probs, v).transpose(1, 2)\n"
                "    return context.reshape([b, s, " + std::to_string(hidden) + "])\n");
}

torch::jit::Module layer(ModuleBuilder& b, std::int64_t hidden, std::int64_t heads,
                         std::int64_t ffn) {
  torch::jit::Module self_attn = self_attention(b, hidden, heads);
  torch::jit::Module attn_out = add_norm(b, "BertSelfOutput", hidden, hidden);
  torch::jit::Module attention = b.make(
      "BertAttention", {child("self", self_attn), child("output", attn_out)}, R"(
def forward(self, x):
    return self.output.forward(self.self.forward(x), x)
)");
  torch::jit::Module intermediate =
      b.make("BertIntermediate", {child("dense", dense(b, hidden, ffn))}, R"(
def forward(self, x):
    return torch.gelu(self.dense.forward(x))
)");
  torch::jit::Module output = add_norm(b, "BertOutput", ffn, hidden);
  return b.make("BertLayer",
                {child("attention", attention), child("intermediate", intermediate),
                 child("output", output)},
                R"(
def forward(self, x):
    a = self.attention.forward(x)
    return self.output.forward(self.intermediate.forward(a), a)
)");
}

}  // namespace

BuiltModel build_transformer(const BuiltinParams& params, std::uint64_t seed) {
  const std::int64_t layers = param_at_least(params, "transformer", "layers", 1);
  const std::int64_t hidden = param_at_least(params, "transformer", "hidden", 1);
  const std::int64_t heads = param_at_least(params, "transformer", "heads", 1);
  const std::int64_t seq = param_at_least(params, "transformer", "seq", 1);
  const std::int64_t vocab = param_at_least(params, "transformer", "vocab", 1);
  const std::int64_t ffn = param_at_least(params, "transformer", "ffn", 1);
  if (hidden % heads != 0) {
    throw std::invalid_argument("transformer: hidden (" + std::to_string(hidden) +
                                ") must be divisible by heads (" + std::to_string(heads) + ")");
  }

  ModuleBuilder b(seed);
  // The position table has `seq` rows, so inputs may be at most `seq` tokens long.
  std::vector<Member> emb_members = {
      child("word_embeddings", embedding(b, vocab, hidden)),
      child("position_embeddings", embedding(b, seq, hidden)),
      child("LayerNorm", b.layer_norm(hidden, kLayerNormEps)),
      buffer("position_ids", at::arange(seq, at::kLong).unsqueeze(0)),
  };
  torch::jit::Module embeddings = b.make("BertEmbeddings", emb_members, R"(
def forward(self, input_ids):
    positions = self.position_ids[:, :input_ids.size(1)]
    x = self.word_embeddings.forward(input_ids) + self.position_embeddings.forward(positions)
    return self.LayerNorm.forward(x)
)");

  std::vector<Member> layer_members;
  std::string encoder_body;
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string name = "layer_" + std::to_string(i);
    layer_members.push_back(child(name, layer(b, hidden, heads, ffn)));
    encoder_body += "    x = self." + name + ".forward(x)\n";
  }
  torch::jit::Module encoder =
      b.make("BertEncoder", layer_members, "\ndef forward(self, x):\n" + encoder_body +
                                               "    return x\n");

  torch::jit::Module bert =
      b.make("BertModel", {child("embeddings", embeddings), child("encoder", encoder)}, R"(
def forward(self, input_ids):
    return self.encoder.forward(self.embeddings.forward(input_ids))
)");
  bert.eval();
  InputSpec ids{{1, seq}, DType::int64, ValueRange{0, static_cast<double>(vocab), false}};
  return {bert, {ids}};
}

}  // namespace tb::model
