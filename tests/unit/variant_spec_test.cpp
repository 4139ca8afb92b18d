// Variants and sweeps as the user writes them: parse_variant, parse_pass_list, parse_sweep,
// expand_sweeps and to_string.
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "core/variant_spec.hpp"
#include "util/errors.hpp"

using tb::PassSpec;
using tb::SweepSpec;
using tb::VariantSpec;

using tbtest::usage_error_of;

namespace {

std::vector<std::string> names_of(const std::vector<VariantSpec>& variants) {
  std::vector<std::string> names;
  for (const auto& v : variants) names.push_back(v.name);
  return names;
}

}  // namespace

TEST_CASE("parse_variant with flag and valued passes", "[variant_spec]") {
  const auto v = tb::parse_variant("fast=freeze,optimize,threads=2");
  CHECK(v.name == "fast");
  REQUIRE(v.passes.size() == 3);
  CHECK(v.passes[0] == PassSpec{"freeze", std::nullopt});
  CHECK(v.passes[1] == PassSpec{"optimize", std::nullopt});
  CHECK(v.passes[2] == PassSpec{"threads", std::string("2")});
}

TEST_CASE("parse_variant edge cases", "[variant_spec]") {
  SECTION("NAME= has no passes") {
    const auto v = tb::parse_variant("plain=");
    CHECK(v.name == "plain");
    CHECK(v.passes.empty());
  }
  SECTION("whitespace around names and values is trimmed") {
    const auto v = tb::parse_variant(" fast = freeze , threads = 4 ");
    CHECK(v.name == "fast");
    REQUIRE(v.passes.size() == 2);
    CHECK(v.passes[0] == PassSpec{"freeze", std::nullopt});
    CHECK(v.passes[1] == PassSpec{"threads", std::string("4")});
  }
  SECTION("names may use letters, digits, - _ . +") {
    CHECK(tb::parse_variant("v1.2-fast_b+opt=no-grad").name == "v1.2-fast_b+opt");
    CHECK(tb::parse_variant("x=inference-mode").passes.at(0).name == "inference-mode");
  }
  SECTION("only the first '=' separates the name") {
    const auto v = tb::parse_variant("b=batch=8");
    CHECK(v.name == "b");
    REQUIRE(v.passes.size() == 1);
    CHECK(v.passes[0] == PassSpec{"batch", std::string("8")});
  }
}

TEST_CASE("parse_variant errors", "[variant_spec]") {
  SECTION("no '='") {
    CHECK_THROWS_AS(tb::parse_variant("fast"), tb::UsageError);
    const auto message = usage_error_of([] { tb::parse_variant("fast"); });
    CHECK_THAT(message, tbtest::contains("'fast'"));
    CHECK_THAT(message, tbtest::contains("NAME=PASS"));
  }
  SECTION("bad names") {
    CHECK_THROWS_AS(tb::parse_variant("=freeze"), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_variant("my variant=freeze"), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_variant("a/b=freeze"), tb::UsageError);
    CHECK_THAT(usage_error_of([] { tb::parse_variant("a/b=freeze"); }), tbtest::contains("invalid variant name 'a/b'"));
  }
  SECTION("an empty value") {
    CHECK_THROWS_AS(tb::parse_variant("v=threads="), tb::UsageError);
    CHECK_THAT(usage_error_of([] { tb::parse_variant("v=threads="); }), tbtest::contains("empty value"));
  }
  SECTION("bad pass names") {
    CHECK_THROWS_AS(tb::parse_variant("v=freeze,,optimize"), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_variant("v=freeze,"), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_variant("v==2"), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_variant("v=fre eze"), tb::UsageError);
    CHECK_THAT(usage_error_of([] { tb::parse_variant("v=freeze,,optimize"); }), tbtest::contains("invalid pass"));
  }
}

TEST_CASE("parse_pass_list", "[variant_spec]") {
  CHECK(tb::parse_pass_list("").empty());
  CHECK(tb::parse_pass_list("   ").empty());
  const auto passes = tb::parse_pass_list("no-grad,batch=32");
  REQUIRE(passes.size() == 2);
  CHECK(passes[0] == PassSpec{"no-grad", std::nullopt});
  CHECK(passes[1] == PassSpec{"batch", std::string("32")});
  // CPU lists keep their commas: an item starting with a digit continues the value.
  const auto pinned = tb::parse_pass_list("pin=0-3,6, 8,freeze,threads=2");
  REQUIRE(pinned.size() == 3);
  CHECK(pinned[0] == PassSpec{"pin", std::string("0-3,6,8")});
  CHECK(pinned[1] == PassSpec{"freeze", std::nullopt});
  CHECK(pinned[2] == PassSpec{"threads", std::string("2")});
  CHECK(tb::parse_pass_list(tb::to_string(pinned)) == pinned);
  // A digit after a pass without a value is not a continuation (it is an unknown pass).
  CHECK(tb::parse_pass_list("freeze,4")[1] == PassSpec{"4", std::nullopt});
}

TEST_CASE("parse_sweep", "[variant_spec]") {
  SECTION("values in order") {
    const auto s = tb::parse_sweep("batch=1,8,32");
    CHECK(s.key == "batch");
    CHECK(s.values == std::vector<std::string>{"1", "8", "32"});
  }
  SECTION("a single value, whitespace trimmed") {
    const auto s = tb::parse_sweep(" threads = 2 ");
    CHECK(s.key == "threads");
    CHECK(s.values == std::vector<std::string>{"2"});
  }
  SECTION("errors") {
    CHECK_THROWS_AS(tb::parse_sweep("batch"), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_sweep("=1,2"), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_sweep("batch="), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_sweep("batch=1,,8"), tb::UsageError);
    CHECK_THROWS_AS(tb::parse_sweep("batch=1,8,1"), tb::UsageError);
    CHECK_THAT(usage_error_of([] { tb::parse_sweep("batch"); }), tbtest::contains("KEY=V1,V2"));
    CHECK_THAT(usage_error_of([] { tb::parse_sweep("batch=1,,8"); }), tbtest::contains("empty value"));
    CHECK_THAT(usage_error_of([] { tb::parse_sweep("batch=1,8,1"); }), tbtest::contains("'1' repeats"));
  }
}

TEST_CASE("expand_sweeps", "[variant_spec]") {
  const VariantSpec base{"base", {}};
  const VariantSpec fast{"fast", {{"freeze", std::nullopt}, {"batch", std::string("4")}}};

  SECTION("no sweeps leaves the variants unchanged") {
    const auto out = tb::expand_sweeps({base, fast}, {});
    REQUIRE(out.size() == 2);
    CHECK(out[0] == base);
    CHECK(out[1] == fast);
  }
  SECTION("one sweep: every variant times every value, variants outermost") {
    const auto out = tb::expand_sweeps({base, fast}, {SweepSpec{"batch", {"1", "8"}}});
    CHECK(names_of(out) ==
          std::vector<std::string>{"base/batch=1", "base/batch=8", "fast/batch=1", "fast/batch=8"});
    // Added to a variant without the pass.
    CHECK(out[1].passes == std::vector<PassSpec>{{"batch", std::string("8")}});
    // Replaces the existing pass of the same key, in place.
    CHECK(out[3].passes == std::vector<PassSpec>{{"freeze", std::nullopt}, {"batch", std::string("8")}});
  }
  SECTION("two sweeps: cartesian product, the first sweep varies slowest") {
    const auto out = tb::expand_sweeps(
        {base}, {SweepSpec{"batch", {"1", "8"}}, SweepSpec{"threads", {"1", "2", "4"}}});
    CHECK(names_of(out) == std::vector<std::string>{
                               "base/batch=1/threads=1", "base/batch=1/threads=2", "base/batch=1/threads=4",
                               "base/batch=8/threads=1", "base/batch=8/threads=2", "base/batch=8/threads=4"});
    CHECK(out[4].passes ==
          std::vector<PassSpec>{{"batch", std::string("8")}, {"threads", std::string("2")}});
  }
  SECTION("a flag pass swept gets a value") {
    const auto out = tb::expand_sweeps({fast}, {SweepSpec{"freeze", {"x"}}});
    REQUIRE(out.size() == 1);
    CHECK(out[0].passes[0] == PassSpec{"freeze", std::string("x")});
  }
}

TEST_CASE("to_string of passes", "[variant_spec]") {
  CHECK(tb::to_string(PassSpec{"freeze", std::nullopt}) == "freeze");
  CHECK(tb::to_string(PassSpec{"threads", std::string("2")}) == "threads=2");
  CHECK(tb::to_string(std::vector<PassSpec>{}) == "");
  const std::vector<PassSpec> passes = {{"freeze", std::nullopt}, {"optimize", std::nullopt}, {"threads", std::string("2")}};
  CHECK(tb::to_string(passes) == "freeze,optimize,threads=2");
  // Round trip through the parser.
  CHECK(tb::parse_pass_list(tb::to_string(passes)) == passes);
  const auto v = tb::parse_variant("fast=freeze,optimize,threads=2");
  CHECK(tb::to_string(v.passes) == "freeze,optimize,threads=2");
}
