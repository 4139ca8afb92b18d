// make_inputs: shapes, dtypes, value ranges and seeding (deterministic, per input, per row).
#include <vector>

#include "catch.hpp"
#include "core/input_spec.hpp"
#include "model/inputs.hpp"

using tb::parse_input_spec;
using tb::model::make_inputs;

namespace {

std::vector<tb::InputSpec> specs(std::initializer_list<const char*> texts) {
  std::vector<tb::InputSpec> out;
  for (const char* text : texts) out.push_back(parse_input_spec(text));
  return out;
}

at::Tensor one(const char* text, std::uint64_t seed) {
  auto inputs = make_inputs(specs({text}), seed, c10::Device(c10::kCPU));
  REQUIRE(inputs.size() == 1);
  REQUIRE(inputs[0].isTensor());
  return inputs[0].toTensor();
}

}  // namespace

TEST_CASE("make_inputs gives one tensor per spec with its shape and dtype", "[inputs]") {
  const auto inputs = make_inputs(
      specs({"2x3:float32", "4x5:int64[0,10)", "scalar:float64", "3:bool", "2x2:fp16", "2x2:bf16", "6:int32[0,4)",
             "6:uint8[0,256)", "6:int8[-5,5]"}),
      1, c10::Device(c10::kCPU));
  REQUIRE(inputs.size() == 9);
  const std::vector<std::pair<std::vector<std::int64_t>, c10::ScalarType>> expected = {
      {{2, 3}, at::kFloat}, {{4, 5}, at::kLong}, {{}, at::kDouble},  {{3}, at::kBool},  {{2, 2}, at::kHalf},
      {{2, 2}, at::kBFloat16}, {{6}, at::kInt}, {{6}, at::kByte}, {{6}, at::kChar}};
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    INFO("input " << i);
    REQUIRE(inputs[i].isTensor());
    const auto t = inputs[i].toTensor();
    CHECK(t.sizes().vec() == expected[i].first);
    CHECK(t.scalar_type() == expected[i].second);
    CHECK(t.device().is_cpu());
  }
}

TEST_CASE("to_scalar_type maps every dtype", "[inputs]") {
  using tb::DType;
  using tb::model::to_scalar_type;
  CHECK(to_scalar_type(DType::float32) == at::kFloat);
  CHECK(to_scalar_type(DType::float16) == at::kHalf);
  CHECK(to_scalar_type(DType::bfloat16) == at::kBFloat16);
  CHECK(to_scalar_type(DType::float64) == at::kDouble);
  CHECK(to_scalar_type(DType::int64) == at::kLong);
  CHECK(to_scalar_type(DType::int32) == at::kInt);
  CHECK(to_scalar_type(DType::int16) == at::kShort);
  CHECK(to_scalar_type(DType::int8) == at::kChar);
  CHECK(to_scalar_type(DType::uint8) == at::kByte);
  CHECK(to_scalar_type(DType::boolean) == at::kBool);
}

TEST_CASE("inputs are a pure function of the seed", "[inputs]") {
  const auto list = specs({"3x8:float32", "3x16:int64[0,1000)", "scalar:float32"});
  const auto a = make_inputs(list, 123, c10::Device(c10::kCPU));
  const auto b = make_inputs(list, 123, c10::Device(c10::kCPU));
  const auto c = make_inputs(list, 124, c10::Device(c10::kCPU));
  REQUIRE(a.size() == 3);
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("input " << i);
    CHECK(at::equal(a[i].toTensor(), b[i].toTensor()));
    CHECK_FALSE(at::equal(a[i].toTensor(), c[i].toTensor()));
  }
  SECTION("independent of the global RNG") {
    at::manual_seed(1);
    const auto x = one("4x4:float32", 9);
    at::manual_seed(2);
    const auto y = one("4x4:float32", 9);
    CHECK(at::equal(x, y));
  }
  SECTION("two inputs of the same spec get different values") {
    const auto two = make_inputs(specs({"4x4:float32", "4x4:float32"}), 5, c10::Device(c10::kCPU));
    CHECK_FALSE(at::equal(two[0].toTensor(), two[1].toTensor()));
  }
  SECTION("an input depends on its index, not on the other inputs") {
    const auto first = make_inputs(specs({"2x2:float32", "3x7:float32"}), 5, c10::Device(c10::kCPU));
    const auto second = make_inputs(specs({"9x9:int64[0,3)", "3x7:float32"}), 5, c10::Device(c10::kCPU));
    CHECK(at::equal(first[1].toTensor(), second[1].toTensor()));
  }
  SECTION("rows differ from each other") {
    const auto t = one("2x32:float32", 3);
    CHECK_FALSE(at::equal(t[0], t[1]));
  }
}

TEST_CASE("rows are seeded: a larger batch starts with the smaller batch's rows", "[inputs]") {
  for (const char* pair : {"float", "int", "bool"}) {
    INFO(pair);
    const std::string kind = pair;
    const std::string suffix = kind == "float" ? ":float32" : kind == "int" ? ":int64[0,30522)" : ":bool";
    const auto small = one(("1x3x5" + suffix).c_str(), 77);
    const auto big = one(("4x3x5" + suffix).c_str(), 77);
    REQUIRE(big.size(0) == 4);
    CHECK(at::equal(big.narrow(0, 0, 1), small));
    const auto eight = one(("8x3x5" + suffix).c_str(), 77);
    CHECK(at::equal(eight.narrow(0, 0, 4), big));
  }
}

TEST_CASE("integer values lie in the range", "[inputs]") {
  SECTION("half-open [low, high)") {
    const auto t = one("100x100:int64[3,7)", 11);
    CHECK(t.min().item<std::int64_t>() == 3);
    CHECK(t.max().item<std::int64_t>() == 6);  // 10000 draws hit both ends, never 7
  }
  SECTION("closed [low, high]") {
    const auto t = one("100x100:int32[-2,2]", 11);
    CHECK(t.min().item<std::int32_t>() == -2);
    CHECK(t.max().item<std::int32_t>() == 2);
  }
  SECTION("a single-value closed range") {
    const auto t = one("10:int64[5,5]", 11);
    CHECK(at::all(t == 5).item<bool>());
  }
  SECTION("uint8 over its whole range") {
    const auto t = one("100x100:uint8[0,256)", 11);
    CHECK(t.min().item<std::uint8_t>() == 0);
    CHECK(t.max().item<std::uint8_t>() == 255);
  }
}

TEST_CASE("float values: ranges and the standard normal", "[inputs]") {
  SECTION("uniform in a range") {
    const auto t = one("100x100:float32[-0.5,0.25)", 13);
    CHECK(t.min().item<float>() >= -0.5f);
    CHECK(t.max().item<float>() < 0.25f);
    CHECK(t.max().item<float>() > 0.2f);   // spread over the range
    CHECK(t.min().item<float>() < -0.45f);
  }
  SECTION("standard normal without a range") {
    const auto t = one("100x100:float64", 13);
    CHECK(std::abs(t.mean().item<double>()) < 0.05);
    CHECK(std::abs(t.std().item<double>() - 1.0) < 0.05);
    CHECK(t.min().item<double>() < 0);
    CHECK(at::all(at::isfinite(t)).item<bool>());
  }
}

TEST_CASE("bool inputs hold both values", "[inputs]") {
  const auto t = one("50x50:bool", 21);
  CHECK(t.scalar_type() == at::kBool);
  CHECK(at::any(t).item<bool>());
  CHECK_FALSE(at::all(t).item<bool>());
}

TEST_CASE("a boolean range is honoured; without one, booleans are random", "[inputs]") {
  CHECK(one("64:bool[1,2)", 3).all().item<bool>());
  CHECK_FALSE(one("64:bool[0,0]", 3).any().item<bool>());
  const auto random = one("256:bool", 3);
  CHECK(random.any().item<bool>());
  CHECK_FALSE(random.all().item<bool>());
}
