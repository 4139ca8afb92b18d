// flatten_outputs, compare_outputs and the save/load of a baseline's outputs.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "model/outputs.hpp"
#include "util/errors.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::WithinAbs;
using tb::model::compare_outputs;
using tb::model::flatten_outputs;

using tbtest::ScratchDir;

namespace {

at::Tensor arange(std::int64_t n, double start = 0) {
  return at::arange(n, at::kFloat) + start;
}

}  // namespace

TEST_CASE("flatten_outputs of single values", "[outputs]") {
  SECTION("a tensor") {
    const auto t = arange(6).view({2, 3});
    const auto out = flatten_outputs(c10::IValue(t));
    REQUIRE(out.size() == 1);
    CHECK(at::equal(out[0], t));
  }
  SECTION("an int becomes a 0-d int64 tensor") {
    const auto out = flatten_outputs(c10::IValue(static_cast<std::int64_t>(42)));
    REQUIRE(out.size() == 1);
    CHECK(out[0].dim() == 0);
    CHECK(out[0].scalar_type() == at::kLong);
    CHECK(out[0].item<std::int64_t>() == 42);
  }
  SECTION("a float becomes a 0-d float64 tensor") {
    const auto out = flatten_outputs(c10::IValue(2.5));
    REQUIRE(out.size() == 1);
    CHECK(out[0].scalar_type() == at::kDouble);
    CHECK(out[0].item<double>() == 2.5);
  }
  SECTION("a bool becomes a 0-d bool tensor") {
    const auto out = flatten_outputs(c10::IValue(true));
    REQUIRE(out.size() == 1);
    CHECK(out[0].scalar_type() == at::kBool);
    CHECK(out[0].item<bool>());
  }
  SECTION("None is skipped") {
    CHECK(flatten_outputs(c10::IValue()).empty());
  }
  SECTION("a string is a ModelError") {
    CHECK_THROWS_AS(flatten_outputs(c10::IValue(std::string("hello"))), tb::ModelError);
    try {
      flatten_outputs(c10::IValue(std::string("hello")));
    } catch (const tb::ModelError& e) {
      CHECK_THAT(std::string(e.what()), tbtest::contains("String"));
      CHECK_THAT(std::string(e.what()), tbtest::contains("outputs must be tensors"));
    }
  }
}

TEST_CASE("flatten_outputs of containers is depth-first", "[outputs]") {
  const auto a = arange(2, 0), b = arange(2, 10), c = arange(2, 20), d = arange(2, 30);
  SECTION("tuple") {
    const auto out = flatten_outputs(c10::ivalue::Tuple::create({a, b}));
    REQUIRE(out.size() == 2);
    CHECK(at::equal(out[0], a));
    CHECK(at::equal(out[1], b));
  }
  SECTION("list") {
    c10::List<at::Tensor> list;
    list.push_back(c);
    list.push_back(a);
    const auto out = flatten_outputs(c10::IValue(list));
    REQUIRE(out.size() == 2);
    CHECK(at::equal(out[0], c));
    CHECK(at::equal(out[1], a));
  }
  SECTION("dict values in insertion order") {
    c10::Dict<std::string, at::Tensor> dict;
    dict.insert("z", b);
    dict.insert("a", a);
    const auto out = flatten_outputs(c10::IValue(dict));
    REQUIRE(out.size() == 2);
    CHECK(at::equal(out[0], b));
    CHECK(at::equal(out[1], a));
  }
  SECTION("nested with numbers and None") {
    c10::List<at::Tensor> list;
    list.push_back(b);
    list.push_back(c);
    c10::Dict<std::string, at::Tensor> dict;
    dict.insert("logits", d);
    const auto nested = c10::ivalue::Tuple::create(
        {a, c10::IValue(list), c10::IValue(), c10::IValue(dict), c10::IValue(static_cast<std::int64_t>(7))});
    const auto out = flatten_outputs(nested);
    REQUIRE(out.size() == 5);
    CHECK(at::equal(out[0], a));
    CHECK(at::equal(out[1], b));
    CHECK(at::equal(out[2], c));
    CHECK(at::equal(out[3], d));
    CHECK(out[4].item<std::int64_t>() == 7);
  }
  SECTION("a string inside a tuple is a ModelError") {
    const auto bad = c10::ivalue::Tuple::create({a, c10::IValue(std::string("label"))});
    CHECK_THROWS_AS(flatten_outputs(bad), tb::ModelError);
  }
}

TEST_CASE("compare_outputs of equal outputs", "[outputs]") {
  const std::vector<at::Tensor> outs = {arange(6).view({2, 3}), at::scalar_tensor(3.0, at::kDouble)};
  const auto cmp = compare_outputs(outs, outs);
  REQUIRE(cmp.stats.has_value());
  CHECK(cmp.stats->count == 7);
  CHECK(cmp.stats->max_abs_err == 0.0);
  CHECK(cmp.stats->max_rel_err == 0.0);
  CHECK_THAT(cmp.stats->cosine, WithinAbs(1.0, 1e-12));
  CHECK(cmp.note.empty());
}

TEST_CASE("compare_outputs of known differences over all tensors", "[outputs]") {
  const std::vector<at::Tensor> actual = {at::tensor({1.0f, 2.0f}), at::tensor({3.0, 4.5})};
  const std::vector<at::Tensor> reference = {at::tensor({1.0f, 2.25f}), at::tensor({3.0, 4.0})};
  const auto cmp = compare_outputs(actual, reference);
  REQUIRE(cmp.stats.has_value());
  CHECK(cmp.stats->count == 4);
  CHECK_THAT(cmp.stats->max_abs_err, WithinAbs(0.5, 1e-12));
  CHECK_THAT(cmp.stats->max_rel_err, WithinAbs(0.125, 1e-12));
  CHECK(cmp.note.empty());
}

TEST_CASE("compare_outputs with a different batch size compares the common rows", "[outputs]") {
  const auto reference = arange(3).view({1, 3});
  auto actual = at::cat({reference, at::full({3, 3}, 100.0f)});  // [4, 3]: row 0 matches
  SECTION("the variant has more rows") {
    const auto cmp = compare_outputs({actual}, {reference});
    REQUIRE(cmp.stats.has_value());
    CHECK(cmp.stats->count == 3);
    CHECK(cmp.stats->max_abs_err == 0.0);
    CHECK_THAT(cmp.note, tbtest::contains("batch sizes differ"));
  }
  SECTION("the variant has fewer rows") {
    const auto cmp = compare_outputs({reference}, {actual});
    REQUIRE(cmp.stats.has_value());
    CHECK(cmp.stats->count == 3);
    CHECK(cmp.stats->max_abs_err == 0.0);
    CHECK_THAT(cmp.note, tbtest::contains("batch sizes differ"));
  }
  SECTION("a difference in the common rows is seen") {
    auto changed = actual.clone();
    changed[0][1] = 5.0f;
    const auto cmp = compare_outputs({changed}, {reference});
    REQUIRE(cmp.stats.has_value());
    CHECK_THAT(cmp.stats->max_abs_err, WithinAbs(4.0, 1e-12));
  }
}

TEST_CASE("compare_outputs does not compare other shape mismatches", "[outputs]") {
  SECTION("same rank, other trailing dims") {
    const auto cmp = compare_outputs({at::zeros({2, 3})}, {at::zeros({2, 4})});
    CHECK_FALSE(cmp.stats.has_value());
    CHECK_THAT(cmp.note, tbtest::contains("output 0 has shape [2,3]"));
    CHECK_THAT(cmp.note, tbtest::contains("[2,4]"));
    CHECK_THAT(cmp.note, tbtest::contains("not compared"));
  }
  SECTION("another rank") {
    const auto cmp = compare_outputs({at::zeros({3}), at::zeros({1, 3})}, {at::zeros({3}), at::zeros({3})});
    CHECK_FALSE(cmp.stats.has_value());
    CHECK_THAT(cmp.note, tbtest::contains("output 1"));
  }
  SECTION("0-d against 1-d") {
    const auto cmp = compare_outputs({at::scalar_tensor(1.0)}, {at::ones({1})});
    CHECK_FALSE(cmp.stats.has_value());
    CHECK_FALSE(cmp.note.empty());
  }
}

TEST_CASE("compare_outputs with another number of outputs", "[outputs]") {
  const auto cmp = compare_outputs({at::zeros({2}), at::zeros({2})}, {at::zeros({2})});
  CHECK_FALSE(cmp.stats.has_value());
  CHECK_THAT(cmp.note, tbtest::contains("2 output tensors"));
  CHECK_THAT(cmp.note, tbtest::contains("the baseline 1"));
}

TEST_CASE("compare_outputs with non-finite values", "[outputs]") {
  const auto nan = at::tensor({1.0f, std::numeric_limits<float>::quiet_NaN()});
  const auto cmp = compare_outputs({nan}, {at::tensor({1.0f, 2.0f})});
  REQUIRE(cmp.stats.has_value());
  CHECK(cmp.stats->non_finite);
}

TEST_CASE("save_outputs / load_outputs round trip", "[outputs]") {
  ScratchDir dir{"tb_outputs_test"};
  const auto file = dir.path / "baseline.outputs";
  const std::vector<at::Tensor> outputs = {
      at::randn({2, 3, 4}),
      at::arange(10, at::kLong),
      at::scalar_tensor(true, at::kBool),
      at::randn({4, 3}).t(),  // not contiguous
      at::randn({5}).to(at::kHalf),
      at::scalar_tensor(2.5, at::kDouble),
  };
  tb::model::save_outputs(outputs, file);
  CHECK(fs::file_size(file) > 0);
  const auto loaded = tb::model::load_outputs(file);
  REQUIRE(loaded.size() == outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    INFO("output " << i);
    CHECK(loaded[i].scalar_type() == outputs[i].scalar_type());
    CHECK(loaded[i].sizes() == outputs[i].sizes());
    CHECK(at::equal(loaded[i], outputs[i]));
  }
  SECTION("an empty list") {
    tb::model::save_outputs({}, file);
    CHECK(tb::model::load_outputs(file).empty());
  }
  SECTION("compared with themselves after loading") {
    const auto cmp = compare_outputs(outputs, loaded);
    REQUIRE(cmp.stats.has_value());
    CHECK(cmp.stats->max_abs_err == 0.0);
  }
}

TEST_CASE("save_outputs / load_outputs failures", "[outputs]") {
  ScratchDir dir{"tb_outputs_test"};
  CHECK_THROWS_AS(tb::model::load_outputs(dir.path / "missing.outputs"), std::runtime_error);
  CHECK_THROWS_AS(tb::model::save_outputs({at::zeros({1})}, dir.path / "no_dir" / "x.outputs"),
                  std::runtime_error);
  CHECK_FALSE(fs::exists(dir.path / "no_dir"));
}
