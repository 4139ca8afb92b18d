// tb::parse_model_ref and ModelRef::text.
#include <string>

#include "catch.hpp"
#include "core/model_ref.hpp"
#include "util/errors.hpp"

using tb::ModelRef;
using tb::parse_model_ref;

TEST_CASE("built-in references", "[model_ref]") {
  SECTION("name only") {
    const auto ref = parse_model_ref("builtin:transformer");
    CHECK(ref.kind == ModelRef::Kind::builtin);
    CHECK(ref.name == "transformer");
    CHECK(ref.params.empty());
    CHECK(ref.text() == "builtin:transformer");
  }
  SECTION("with parameters") {
    const auto ref = parse_model_ref("builtin:transformer:layers=2,hidden=128");
    CHECK(ref.kind == ModelRef::Kind::builtin);
    CHECK(ref.name == "transformer");
    REQUIRE(ref.params.size() == 2);
    CHECK(ref.params.at("layers") == 2);
    CHECK(ref.params.at("hidden") == 128);
    // Canonical text: parameters sorted by key.
    CHECK(ref.text() == "builtin:transformer:hidden=128,layers=2");
  }
  SECTION("whitespace around keys and values is trimmed") {
    const auto ref = parse_model_ref("builtin:mlp: in = 8 ,out=2");
    CHECK(ref.params.at("in") == 8);
    CHECK(ref.params.at("out") == 2);
  }
  SECTION("text() round-trips") {
    for (const std::string text : {"builtin:mlp", "builtin:resnet18:classes=10,image=32,width=8"}) {
      INFO(text);
      const auto ref = parse_model_ref(text);
      CHECK(ref.text() == text);
      const auto again = parse_model_ref(ref.text());
      CHECK(again.name == ref.name);
      CHECK(again.params == ref.params);
    }
  }
}

TEST_CASE("file references", "[model_ref]") {
  const auto ref = parse_model_ref("models/resnet.pt");
  CHECK(ref.kind == ModelRef::Kind::file);
  CHECK(ref.name == "models/resnet.pt");
  CHECK(ref.params.empty());
  CHECK(ref.text() == "models/resnet.pt");
  // Only the exact prefix makes a built-in.
  CHECK(parse_model_ref("Builtin:mlp").kind == ModelRef::Kind::file);
  CHECK(parse_model_ref("/abs/builtin:x.pt").kind == ModelRef::Kind::file);
}

TEST_CASE("invalid model references throw UsageError", "[model_ref]") {
  CHECK_THROWS_AS(parse_model_ref(""), tb::UsageError);
  CHECK_THROWS_AS(parse_model_ref("builtin:"), tb::UsageError);
  CHECK_THROWS_AS(parse_model_ref("builtin::layers=2"), tb::UsageError);
  CHECK_THROWS_AS(parse_model_ref("builtin:mlp:layers"), tb::UsageError);
  CHECK_THROWS_AS(parse_model_ref("builtin:mlp:layers=two"), tb::UsageError);
  CHECK_THROWS_AS(parse_model_ref("builtin:mlp:layers=2,"), tb::UsageError);
  CHECK_THROWS_AS(parse_model_ref("builtin:mlp:layers=2.5"), tb::UsageError);
  try {
    parse_model_ref("builtin:mlp:layers=two");
    FAIL("expected a UsageError");
  } catch (const tb::UsageError& e) {
    CHECK_THAT(std::string(e.what()), tbtest::contains("'layers=two'"));
    CHECK_THAT(std::string(e.what()), tbtest::contains("key=INTEGER"));
  }
}
