// Accuracy gates (core/gates.hpp): parsing, which limit applies to which variant, checking.
#include <cmath>
#include <limits>

#include "catch.hpp"
#include "core/gates.hpp"
#include "test_support.hpp"

using tb::GateMetric;
using tb::parse_gate_rule;

TEST_CASE("gate rules parse LIMIT and VARIANT=LIMIT", "[gates]") {
  const auto all = parse_gate_rule(GateMetric::min_cosine, "0.99");
  CHECK(all.variant.empty());
  CHECK(all.limit == 0.99);
  const auto one = parse_gate_rule(GateMetric::max_abs_err, "int8=1e-2");
  CHECK(one.variant == "int8");
  CHECK(one.limit == 0.01);
  CHECK(parse_gate_rule(GateMetric::max_rel_err, "fast/batch=8=0.5").variant == "fast/batch=8");
}

TEST_CASE("bad gate values are usage errors naming the option", "[gates]") {
  const auto error = [](GateMetric m, const char* text) {
    return tbtest::usage_error_of([&] { parse_gate_rule(m, text); });
  };
  CHECK_THAT(error(GateMetric::min_cosine, "1.5"), tbtest::contains("--min-cosine '1.5'"));
  CHECK_THAT(error(GateMetric::min_cosine, "-2"), tbtest::contains("between -1 and 1"));
  CHECK_THAT(error(GateMetric::max_abs_err, "-1"), tbtest::contains("0 or more"));
  CHECK_THAT(error(GateMetric::max_rel_err, "abc"), tbtest::contains("--max-rel-err"));
  CHECK_THAT(error(GateMetric::max_abs_err, "=0.1"), tbtest::contains("variant name before '=' is empty"));
  CHECK_THAT(error(GateMetric::max_abs_err, "int8="), tbtest::contains("--max-abs-err 'int8='"));
  CHECK_THROWS(parse_gate_rule(GateMetric::max_abs_err, "nan"));
  CHECK_THROWS(parse_gate_rule(GateMetric::max_abs_err, "inf"));
}

TEST_CASE("gate_for: a variant's own rule overrides the run-wide one", "[gates]") {
  const std::vector<tb::GateRule> rules = {parse_gate_rule(GateMetric::min_cosine, "int8=0.99"),
                                           parse_gate_rule(GateMetric::min_cosine, "0.9999"),
                                           parse_gate_rule(GateMetric::max_abs_err, "1e-3")};
  const auto int8 = tb::gate_for(rules, "int8");
  CHECK(int8.min_cosine == 0.99);
  CHECK(int8.max_abs_err == 1e-3);
  CHECK_FALSE(int8.max_rel_err);
  CHECK(tb::gate_for(rules, "int8/batch=8").min_cosine == 0.99);  // sweep points of int8
  CHECK(tb::gate_for(rules, "fp32").min_cosine == 0.9999);
  CHECK(tb::gate_for({}, "x").empty());
}

TEST_CASE("check_gate lists every broken limit", "[gates]") {
  tb::AccuracyStats a;
  a.max_abs_err = 0.02;
  a.max_rel_err = 0.001;
  a.cosine = 0.995;
  tb::AccuracyGate gate;
  gate.max_abs_err = 0.01;
  gate.max_rel_err = 0.01;
  gate.min_cosine = 0.999;
  const auto result = tb::check_gate(gate, a);
  CHECK_FALSE(result.passed());
  REQUIRE(result.violations.size() == 2);
  CHECK_THAT(result.violations[0], tbtest::contains("max abs err 0.02 > 0.01"));
  CHECK_THAT(result.violations[1], tbtest::contains("cosine 0.995000 < 0.999"));
  SECTION("limits met exactly pass") {
    gate.max_abs_err = 0.02;
    gate.min_cosine = 0.995;
    CHECK(tb::check_gate(gate, a).passed());
  }
  SECTION("non-finite errors break the gate") {
    a.non_finite = true;
    a.max_abs_err = std::numeric_limits<double>::infinity();
    a.cosine = std::nan("");
    gate = {};
    gate.max_rel_err = 1;
    const auto r = tb::check_gate(gate, a);
    CHECK_FALSE(r.passed());
    CHECK_THAT(r.violations[0], tbtest::contains("non-finite"));
  }
  SECTION("no accuracy to check is a violation, with the reason") {
    const auto r = tb::check_gate(gate, std::nullopt, "no accuracy: the baseline failed");
    REQUIRE(r.violations.size() == 1);
    CHECK_THAT(r.violations[0], tbtest::contains("the baseline failed"));
  }
  SECTION("an empty gate always passes") {
    CHECK(tb::check_gate({}, std::nullopt).passed());
  }
}
