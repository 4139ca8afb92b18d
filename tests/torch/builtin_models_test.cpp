// The built-in model table, building and running every built-in, seeded weights, and
// load_model's errors for bad built-in parameters and bad model files.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "core/model_ref.hpp"
#include "model/builtin_models.hpp"
#include "model/inputs.hpp"
#include "model/model.hpp"
#include "model/outputs.hpp"
#include "util/errors.hpp"

namespace fs = std::filesystem;
using tb::model::load_model;

using tbtest::ScratchDir;

namespace {

at::Tensor run_once(tb::model::Model& model, std::uint64_t input_seed) {
  c10::InferenceMode guard;
  const auto inputs = tb::model::make_inputs(model.declared_inputs(), input_seed, c10::Device(c10::kCPU));
  const auto outputs = tb::model::flatten_outputs(model.run(inputs));
  REQUIRE(outputs.size() == 1);
  return outputs[0];
}

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// Small versions, fast to build and run.
const char* const kSmall[] = {
    "builtin:transformer:layers=1,hidden=32,heads=2,seq=8,vocab=50,ffn=64",
    "builtin:resnet18:width=8,image=32,classes=10",
    "builtin:mlp:in=16,hidden=32,layers=2,out=4",
};

}  // namespace

TEST_CASE("the built-in table", "[builtin]") {
  const auto table = tb::model::builtin_model_table();
  REQUIRE(table.size() == 3);
  CHECK(table[0].name == "transformer");  // the default model
  CHECK(table[1].name == "resnet18");
  CHECK(table[2].name == "mlp");
  for (const auto& row : table) {
    INFO(row.name);
    CHECK_FALSE(row.description.empty());
    CHECK_FALSE(row.defaults.empty());
    CHECK(row.build != nullptr);
    CHECK(tb::model::find_builtin_model(row.name) == &row);
  }
  CHECK(tb::model::find_builtin_model("nope") == nullptr);
  CHECK(tb::model::find_builtin_model("") == nullptr);
  CHECK(table[2].defaults.at("in") == 256);
}

TEST_CASE("every built-in builds with its defaults and runs on its declared inputs", "[builtin]") {
  for (const auto& row : tb::model::builtin_model_table()) {
    INFO(row.name);
    const auto model = load_model(tb::parse_model_ref("builtin:" + std::string(row.name)), 0);
    REQUIRE(model != nullptr);
    CHECK(model->backend() == "builtin");
    CHECK(model->torchscript() != nullptr);
    REQUIRE(model->declared_inputs().size() == 1);
    // The declared inputs agree with what forward() takes.
    CHECK(model->required_inputs() == 1);
    CHECK_THAT(model->signature(), tbtest::contains(": Tensor)"));
    const auto& spec = model->declared_inputs()[0];
    CHECK(spec.shape.at(0) == 1);  // batch 1
    const auto out = run_once(*model, 0);
    CHECK(out.size(0) == 1);
    CHECK(at::all(at::isfinite(out)).item<bool>());
    if (row.name == "transformer") {
      CHECK(tb::to_string(spec) == "1x128:int64[0,30522)");
      CHECK(out.sizes().vec() == std::vector<std::int64_t>{1, 128, 256});
    } else if (row.name == "resnet18") {
      CHECK(tb::to_string(spec) == "1x3x224x224:float32");
      CHECK(out.sizes().vec() == std::vector<std::int64_t>{1, 1000});
    } else if (row.name == "mlp") {
      CHECK(tb::to_string(spec) == "1x256:float32");
      CHECK(out.sizes().vec() == std::vector<std::int64_t>{1, 10});
    }
  }
}

TEST_CASE("built-in parameters change the model", "[builtin]") {
  const auto model = load_model(tb::parse_model_ref(kSmall[1]), 0);
  CHECK(tb::to_string(model->declared_inputs().at(0)) == "1x3x32x32:float32");
  CHECK(run_once(*model, 0).sizes().vec() == std::vector<std::int64_t>{1, 10});
  const auto mlp = load_model(tb::parse_model_ref(kSmall[2]), 0);
  CHECK(tb::to_string(mlp->declared_inputs().at(0)) == "1x16:float32");
  CHECK(run_once(*mlp, 0).sizes().vec() == std::vector<std::int64_t>{1, 4});
  const auto bert = load_model(tb::parse_model_ref(kSmall[0]), 0);
  const auto& ids = bert->declared_inputs().at(0);
  CHECK(ids.shape == std::vector<std::int64_t>{1, 8});
  CHECK(ids.dtype == tb::DType::int64);
  REQUIRE(ids.range.has_value());
  CHECK(ids.range->low == 0.0);
  CHECK(ids.range->high == 50.0);  // token ids below vocab
  CHECK_FALSE(ids.range->high_inclusive);
  CHECK(run_once(*bert, 0).sizes().vec() == std::vector<std::int64_t>{1, 8, 32});
}

TEST_CASE("built-in weights are a pure function of the seed", "[builtin]") {
  for (const char* text : kSmall) {
    INFO(text);
    const auto ref = tb::parse_model_ref(text);
    auto a = load_model(ref, 7);
    auto b = load_model(ref, 7);
    auto c = load_model(ref, 8);
    const auto out_a = run_once(*a, 1);
    const auto out_b = run_once(*b, 1);
    const auto out_c = run_once(*c, 1);
    CHECK(at::equal(out_a, out_b));
    CHECK_FALSE(at::allclose(out_a, out_c));
    // And of the seed only, not of the global RNG.
    at::manual_seed(12345);
    auto d = load_model(ref, 7);
    CHECK(at::equal(run_once(*d, 1), out_a));
  }
}

TEST_CASE("load_model rejects bad built-in references with UsageError", "[builtin]") {
  SECTION("an unknown parameter, with did-you-mean") {
    const auto ref = tb::parse_model_ref("builtin:mlp:hiden=64");
    CHECK_THROWS_AS(load_model(ref, 0), tb::UsageError);
    const auto message = error_of<tb::UsageError>([&] { load_model(ref, 0); });
    CHECK_THAT(message, tbtest::contains("no parameter 'hiden'"));
    CHECK_THAT(message, tbtest::contains("did you mean 'hidden'"));
    CHECK_THAT(message, tbtest::contains("parameters: hidden, in, layers, out"));
  }
  SECTION("a non-positive parameter") {
    CHECK_THROWS_AS(load_model(tb::parse_model_ref("builtin:mlp:hidden=0"), 0), tb::UsageError);
    CHECK_THROWS_AS(load_model(tb::parse_model_ref("builtin:resnet18:width=-8"), 0), tb::UsageError);
  }
  SECTION("inconsistent parameters") {
    const auto ref = tb::parse_model_ref("builtin:transformer:hidden=30,heads=4,layers=1,vocab=10,seq=4,ffn=8");
    CHECK_THROWS_AS(load_model(ref, 0), tb::UsageError);
    CHECK_THAT(error_of<tb::UsageError>([&] { load_model(ref, 0); }), tbtest::contains("divisible by heads"));
  }
  SECTION("an unknown built-in") {
    const auto ref = tb::parse_model_ref("builtin:resnet");
    CHECK_THROWS_AS(load_model(ref, 0), tb::UsageError);
    const auto message = error_of<tb::UsageError>([&] { load_model(ref, 0); });
    CHECK_THAT(message, tbtest::contains("did you mean 'resnet18'"));
    CHECK_THAT(message, tbtest::contains("transformer, resnet18, mlp"));
  }
  SECTION("check_model_ref agrees without building") {
    CHECK_NOTHROW(tb::model::check_model_ref(tb::parse_model_ref("builtin:mlp:hidden=64")));
    CHECK_THROWS_AS(tb::model::check_model_ref(tb::parse_model_ref("builtin:mlp:hiden=64")), tb::UsageError);
    CHECK_THROWS_AS(tb::model::check_model_ref(tb::parse_model_ref("builtin:nope")), tb::UsageError);
  }
}

TEST_CASE("load_model rejects bad model files with ModelError", "[builtin]") {
  ScratchDir dir{"tb_builtin_models_test"};
  SECTION("a missing file") {
    const auto path = (dir.path / "missing.pt").string();
    CHECK_THROWS_AS(load_model(tb::parse_model_ref(path), 0), tb::ModelError);
    CHECK_THAT(error_of<tb::ModelError>([&] { load_model(tb::parse_model_ref(path), 0); }),
               tbtest::contains("does not exist"));
  }
  SECTION("an empty file") {
    const auto path = dir.path / "empty.pt";
    std::ofstream{path};
    CHECK_THROWS_AS(load_model(tb::parse_model_ref(path.string()), 0), tb::ModelError);
    CHECK_THAT(error_of<tb::ModelError>([&] { load_model(tb::parse_model_ref(path.string()), 0); }),
               tbtest::contains("is empty"));
  }
  SECTION("a text file") {
    const auto path = dir.path / "notes.pt";
    std::ofstream(path) << "this is not a TorchScript archive\n";
    CHECK_THROWS_AS(load_model(tb::parse_model_ref(path.string()), 0), tb::ModelError);
    const auto message = error_of<tb::ModelError>([&] { load_model(tb::parse_model_ref(path.string()), 0); });
    CHECK_THAT(message, tbtest::contains("cannot load"));
    CHECK_THAT(message, tbtest::contains("notes.pt"));
    CHECK(message.find('\n') == std::string::npos);  // one line, no LibTorch backtrace
  }
  SECTION("a directory") {
    CHECK_THROWS_AS(load_model(tb::parse_model_ref(dir.path.string()), 0), tb::ModelError);
    CHECK_THAT(error_of<tb::ModelError>([&] { load_model(tb::parse_model_ref(dir.path.string()), 0); }),
               tbtest::contains("is a directory"));
  }
}
