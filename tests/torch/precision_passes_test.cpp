// The passes that change dtypes and layouts: bf16, fp16, autocast and channels-last. Each
// must really change the computation (dtype, memory format, results) and keep the outputs
// close to float32.
#include <ATen/autocast_mode.h>

#include "catch.hpp"
#include "pass_test_support.hpp"
#include "util/accuracy.hpp"

using tbtest::PassedModel;

namespace {

// Cosine similarity and max abs error of `actual` against the float32 `reference`.
tb::AccuracyStats agreement(const at::Tensor& actual, const at::Tensor& reference) {
  const auto a = actual.to(at::kDouble).contiguous();
  const auto r = reference.to(at::kDouble).contiguous();
  return tb::compare_values({a.data_ptr<double>(), static_cast<std::size_t>(a.numel())},
                            {r.data_ptr<double>(), static_cast<std::size_t>(r.numel())});
}

std::vector<c10::ScalarType> parameter_dtypes(torch::jit::Module& module) {
  std::vector<c10::ScalarType> dtypes;
  for (const auto& p : module.parameters()) dtypes.push_back(p.scalar_type());
  return dtypes;
}

}  // namespace

TEST_CASE("bf16 and fp16 cast weights and floating inputs, outputs stay close", "[passes][precision]") {
  PassedModel plain(tbtest::small_resnet());
  const auto reference = plain.run();
  for (const auto& [pass, dtype, name] : {std::tuple{"bf16", at::kBFloat16, "bfloat16"},
                                          std::tuple{"fp16", at::kHalf, "float16"}}) {
    INFO(pass);
    PassedModel model(tbtest::small_resnet());
    model.apply(pass);
    for (const auto d : parameter_dtypes(model.module())) CHECK(d == dtype);
    for (const auto& b : model.module().buffers()) {
      if (b.is_floating_point()) CHECK(b.scalar_type() == dtype);  // batch norm statistics
    }
    CHECK(model.values.at(0).toTensor().scalar_type() == dtype);
    CHECK(tb::to_string(model.context.inputs.at(0)) == std::string("1x3x32x32:") + name);
    const auto out = model.run();
    CHECK(out.scalar_type() == dtype);
    const auto stats = agreement(out, reference);
    CHECK(stats.cosine > 0.99);
    CHECK(stats.max_abs_err > 1e-6);  // really computed in lower precision
  }
}

TEST_CASE("bf16 leaves integer inputs and buffers alone", "[passes][precision]") {
  PassedModel plain(tbtest::small_transformer());
  const auto reference = plain.run();
  PassedModel model(tbtest::small_transformer());
  model.apply("bf16");
  CHECK(model.values.at(0).toTensor().scalar_type() == at::kLong);  // token ids
  CHECK(model.context.inputs.at(0).dtype == tb::DType::int64);
  for (const auto& b : model.module().named_buffers()) {
    INFO(b.name);
    if (b.name.find("position_ids") != std::string::npos) CHECK(b.value.scalar_type() == at::kLong);
  }
  const auto out = model.run();
  CHECK(out.scalar_type() == at::kBFloat16);
  CHECK(agreement(out, reference).cosine > 0.99);
}

TEST_CASE("model passes apply in table order: bf16 before freeze whatever the written order", "[passes][precision]") {
  PassedModel model(tbtest::small_mlp());
  model.apply("freeze,bf16");  // bf16 after freeze would find no parameters left to cast
  CHECK(model.module().parameters().size() == 0);
  CHECK(model.run().scalar_type() == at::kBFloat16);
}

TEST_CASE("bf16 on a model without floating tensors is unsupported", "[passes][precision]") {
  PassedModel model(tbtest::scripted("def forward(self, x):\n    return x + 1\n", {"2x4:int64[0,10)"}));
  model.module().setattr("w", at::ones({4, 4}, at::kLong));
  CHECK_THROWS_AS(model.apply("bf16"), tb::passes::Unsupported);
}

TEST_CASE("autocast runs a scripted model's linear layers in lower precision", "[passes][autocast]") {
  PassedModel plain(tbtest::small_mlp());
  const auto reference = plain.run();
  for (const auto& [pass, dtype] : {std::pair{"autocast", at::kBFloat16}, std::pair{"autocast=bf16", at::kBFloat16},
                                    std::pair{"autocast=fp16", at::kHalf}}) {
    INFO(pass);
    {
      PassedModel model(tbtest::small_mlp());
      model.apply(pass);
      CHECK(at::autocast::is_autocast_enabled(at::kCPU));
      CHECK(at::autocast::get_autocast_dtype(at::kCPU) == dtype);
      for (const auto d : parameter_dtypes(model.module())) CHECK(d == at::kFloat);  // weights stay float32
      for (int call = 0; call < 3; ++call) {  // the profiling executor's first and optimized graphs
        const auto out = model.run();
        CHECK(out.scalar_type() == dtype);
        const auto stats = agreement(out, reference);
        CHECK(stats.cosine > 0.99);
        CHECK(stats.max_abs_err > 1e-5);  // beyond float32 round-off
      }
    }
    CHECK_FALSE(at::autocast::is_autocast_enabled(at::kCPU));  // the scope ended with the context
  }
}

TEST_CASE("autocast applies to frozen and traced graphs too", "[passes][autocast]") {
  for (const char* passes : {"freeze,autocast", "trace,autocast", "trace,freeze,autocast"}) {
    INFO(passes);
    PassedModel model(tbtest::small_mlp());
    model.apply(passes);
    CHECK(model.run().scalar_type() == at::kBFloat16);
  }
}

TEST_CASE("channels-last converts 4-D weights and inputs of a CNN", "[passes][layout]") {
  PassedModel plain(tbtest::small_resnet());
  const auto reference = plain.run();
  PassedModel model(tbtest::small_resnet());
  REQUIRE_FALSE(model.values.at(0).toTensor().is_contiguous(at::MemoryFormat::ChannelsLast));
  model.apply("channels-last");
  CHECK(model.values.at(0).toTensor().is_contiguous(at::MemoryFormat::ChannelsLast));
  std::size_t conv_weights = 0;
  for (const auto& p : model.module().parameters()) {
    if (p.dim() != 4) continue;
    ++conv_weights;
    CHECK(p.is_contiguous(at::MemoryFormat::ChannelsLast));
  }
  CHECK(conv_weights > 0);
  CHECK(tb::to_string(model.context.inputs.at(0)) == "1x3x32x32:float32");  // same shape and dtype
  const auto out = model.run();
  CHECK(at::allclose(out, reference, 1e-4, 1e-4));
}

TEST_CASE("channels-last on a model without image inputs is unsupported", "[passes][layout]") {
  PassedModel model(tbtest::small_transformer());
  try {
    model.apply("channels-last");
    FAIL("no Unsupported thrown");
  } catch (const tb::passes::Unsupported& e) {
    CHECK_THAT(std::string(e.what()), tbtest::contains("no 4-D floating-point input"));
  }
}
