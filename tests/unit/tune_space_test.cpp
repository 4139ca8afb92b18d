// The search space of `tune` (tune/space.hpp): defaults from the pass table, --space and
// --fixed, the cartesian expansion with impossible combinations dropped.
#include <algorithm>
#include <set>

#include "catch.hpp"
#include "test_support.hpp"
#include "tune/space.hpp"
#include "tune_fakes.hpp"

using namespace tb::tune;

namespace {

std::vector<std::string> keys(const Space& space) {
  std::vector<std::string> k;
  for (const auto& d : space.dimensions) k.push_back(d.key);
  return k;
}

std::vector<std::string> values(const Space& space, const std::string& key) {
  for (const auto& d : space.dimensions) {
    if (d.key != key) continue;
    std::vector<std::string> v;
    for (const auto& value : d.values) v.push_back(value.text);
    return v;
  }
  return {};
}

const Candidate* named(const Expansion& e, const std::string& name) {
  for (const auto& c : e.candidates) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("default thread counts: 1, the largest powers of two below the CPUs, and all of them", "[tune]") {
  CHECK(default_thread_counts(1) == std::vector<int>{1});
  CHECK(default_thread_counts(2) == std::vector<int>{1, 2});
  CHECK(default_thread_counts(4) == std::vector<int>{1, 2, 4});
  CHECK(default_thread_counts(6) == std::vector<int>{1, 2, 4, 6});
  CHECK(default_thread_counts(16) == std::vector<int>{1, 4, 8, 16});
  CHECK(default_thread_counts(64) == std::vector<int>{1, 16, 32, 64});
}

TEST_CASE("the default CPU space and its 48 candidates on two CPUs", "[tune]") {
  const auto context = tbtest::fake_context("cpu", 2);
  const auto space = default_space(context);
  CHECK(keys(space) == std::vector<std::string>{"grad", "graph", "precision", "threads", "interop-threads"});
  CHECK(values(space, "graph") == std::vector<std::string>{"none", "freeze", "freeze+optimize"});
  CHECK(values(space, "precision") == std::vector<std::string>{"fp32", "bf16", "int8-dynamic", "fp16-dynamic"});
  CHECK(values(space, "threads") == std::vector<std::string>{"1", "2"});
  CHECK(space.unavailable.empty());
  const auto e = expand(space, context.check);
  CHECK(e.candidates.size() == 3 * 4 * 2 * 2);
  CHECK(e.dropped.empty());
  // Names join the values of the dimensions with several values; grad has one.
  const auto* c = named(e, "freeze+optimize.int8-dynamic.threads-2.interop-threads-1");
  REQUIRE(c);
  CHECK(tb::to_string(c->passes) == "inference-mode,freeze,optimize,int8-dynamic,threads=2,interop-threads=1");
  REQUIRE(named(e, "none.fp32.threads-1.interop-threads-1"));
  CHECK(tb::to_string(named(e, "none.fp32.threads-1.interop-threads-1")->passes) ==
        "inference-mode,threads=1,interop-threads=1");
  std::set<std::string> names;
  for (const auto& candidate : e.candidates) names.insert(candidate.name);
  CHECK(names.size() == e.candidates.size());
}

TEST_CASE("one CPU: threads and interop threads have one value each", "[tune]") {
  const auto context = tbtest::fake_context("cpu", 1);
  const auto space = default_space(context);
  CHECK(values(space, "threads") == std::vector<std::string>{"1"});
  CHECK(values(space, "interop-threads") == std::vector<std::string>{"1"});
  CHECK(expand(space, context.check).candidates.size() == 12);
}

TEST_CASE("the CUDA space leaves out what the pass table refuses here", "[tune]") {
  auto context = tbtest::fake_context("cuda");
  const auto check = context.check;
  context.check = [check](const std::vector<tb::PassSpec>& passes) -> std::string {
    for (const auto& p : passes) {
      if (p.name == "cuda-graph") return "pass 'cuda-graph' needs a CUDA build of LibTorch";
    }
    return check(passes);
  };
  const auto space = default_space(context);
  CHECK(values(space, "precision") == std::vector<std::string>{"fp32", "tf32", "fp16", "bf16"});
  CHECK(values(space, "cuda-graph") == std::vector<std::string>{"off"});
  REQUIRE(space.unavailable.size() == 1);
  CHECK_THAT(space.unavailable[0], tbtest::contains("cuda-graph=on: pass 'cuda-graph' needs a CUDA build"));
  CHECK(values(space, "threads").empty());
  CHECK(expand(space, context.check).candidates.size() == 3 * 4 * 2 * 2);
}

TEST_CASE("space option: --space replaces or extends a dimension and checks every value", "[tune]") {
  const auto context = tbtest::fake_context();
  auto space = default_space(context);
  apply_space_option(space, "precision=fp32,int8-dynamic=per-channel", context);
  CHECK(values(space, "precision") == std::vector<std::string>{"fp32", "int8-dynamic=per-channel"});
  apply_space_option(space, "precision+=bf16", context);
  CHECK(values(space, "precision") == std::vector<std::string>{"fp32", "int8-dynamic=per-channel", "bf16"});
  apply_space_option(space, "batch=1,8", context);  // a new dimension, last
  CHECK(keys(space).back() == "batch");
  apply_space_option(space, "channels-last=off,on", context);
  apply_space_option(space, "graph=none,freeze+optimize", context);
  apply_space_option(space, "threads=2", context);
  apply_space_option(space, "interop-threads=1", context);
  const auto e = expand(space, context.check);
  CHECK(e.candidates.size() == 2 * 3 * 2 * 2);
  const auto* c = named(e, "freeze+optimize.int8-dynamic-per-channel.batch-8.channels-last");
  REQUIRE(c);
  CHECK(tb::to_string(c->passes) ==
        "inference-mode,freeze,optimize,int8-dynamic=per-channel,threads=2,interop-threads=1,batch=8,channels-last");
  REQUIRE(named(e, "none.fp32.batch-1.no-channels-last"));

  using tbtest::usage_error_of;
  CHECK_THAT(usage_error_of([&] { apply_space_option(space, "precison=fp32", context); }),
             tbtest::contains("unknown dimension 'precison' (did you mean 'precision'?)"));
  CHECK_THAT(usage_error_of([&] { apply_space_option(space, "threads=1,x", context); }),
             tbtest::contains("value 'x': pass 'threads' needs a positive integer"));
  CHECK_THAT(usage_error_of([&] { apply_space_option(space, "graph=freeze+frezee", context); }),
             tbtest::contains("unknown pass 'frezee'"));
  CHECK_THAT(usage_error_of([&] { apply_space_option(space, "batch=1,1", context); }),
             tbtest::contains("value '1' is already in batch"));
  CHECK_THAT(usage_error_of([&] { apply_space_option(space, "precision+=bf16", context); }),
             tbtest::contains("already in precision"));
  CHECK_THAT(usage_error_of([&] { apply_space_option(space, "threads", context); }), tbtest::contains("KEY=V1,V2"));
  CHECK_THAT(usage_error_of([&] { apply_space_option(space, "graph=freeze++optimize", context); }),
             tbtest::contains("empty pass"));
  CHECK_THAT(usage_error_of([&] { apply_space_option(space, "cuda-graph=on,off", context); }),
             tbtest::contains("works only on --device cuda"));
}

TEST_CASE("fixed option: --fixed adds a pass everywhere and replaces the dimensions that choose among it", "[tune]") {
  const auto context = tbtest::fake_context();
  SECTION("a pass dimension of the same name") {
    auto space = default_space(context);
    apply_fixed(space, "threads=2", context);
    CHECK(values(space, "threads").empty());
    const auto e = expand(space, context.check);
    CHECK(e.candidates.size() == 3 * 4 * 2);
    for (const auto& c : e.candidates) CHECK_THAT(tb::to_string(c.passes), tbtest::contains("threads=2"));
  }
  SECTION("a group: no-grad replaces the grad dimension, bf16 the precision dimension") {
    auto space = default_space(context);
    apply_fixed(space, "no-grad,bf16", context);
    CHECK(keys(space) == std::vector<std::string>{"graph", "threads", "interop-threads"});
    const auto e = expand(space, context.check);
    CHECK(e.candidates.size() == 3 * 2 * 2);
    CHECK_THAT(tb::to_string(e.candidates[0].passes), tbtest::contains("no-grad,bf16"));
  }
  SECTION("combinations the table refuses are dropped with the reason") {
    auto space = default_space(context);
    apply_space_option(space, "fp16=off,on", context);  // fp16 conflicts with the quantization values
    const auto e = expand(space, context.check);
    // fp16 with bf16 (one group), with int8-dynamic or fp16-dynamic (a declared conflict).
    CHECK(e.dropped.size() == 3 * 3 * 2 * 2);
    CHECK(e.candidates.size() + e.dropped.size() == 3 * 4 * 2 * 2 * 2);
    CHECK_FALSE(e.dropped.front().reason.empty());
  }
  SECTION("a fixed pass equal to a dimension's value makes duplicates, counted once") {
    auto space = default_space(context);
    apply_space_option(space, "optimize=off,on", context);
    apply_space_option(space, "graph=none,freeze", context);
    apply_fixed(space, "freeze", context);  // replaces graph; optimize stays
    CHECK(values(space, "graph").empty());
    const auto e = expand(space, context.check);
    CHECK(e.duplicates == 0);
    CHECK(e.candidates.size() == 4 * 2 * 2 * 2);
  }
  CHECK_THAT(tbtest::usage_error_of([&] {
               auto space = default_space(context);
               apply_fixed(space, "bf16,fp16", context);
             }),
             tbtest::contains("--fixed 'bf16,fp16'"));
}

TEST_CASE("duplicates: two values with the same passes are measured once", "[tune]") {
  const auto context = tbtest::fake_context();
  Space space;
  apply_space_option(space, "graph=none,freeze", context);
  apply_space_option(space, "freeze=off,on", context);
  const auto e = expand(space, context.check);
  // none/off, none/on (= freeze), freeze/off (= freeze, duplicate), freeze/on (freeze twice: the
  // fake table allows it, so it is a distinct list).
  CHECK(e.duplicates == 1);
  CHECK(e.candidates.size() == 3);
}

TEST_CASE("a space without dimensions is one candidate: the fixed passes", "[tune]") {
  const auto context = tbtest::fake_context();
  Space space;
  apply_fixed(space, "inference-mode,freeze", context);
  const auto e = expand(space, context.check);
  REQUIRE(e.candidates.size() == 1);
  CHECK(e.candidates[0].name == "candidate");
  CHECK(tb::to_string(e.candidates[0].passes) == "inference-mode,freeze");
}

TEST_CASE("baseline option: --baseline defaults to inference-mode and is checked", "[tune]") {
  const auto context = tbtest::fake_context();
  CHECK(tb::to_string(parse_baseline("", context)) == "inference-mode");
  CHECK(tb::to_string(parse_baseline("no-grad,freeze", context)) == "no-grad,freeze");
  CHECK_THAT(tbtest::usage_error_of([&] { parse_baseline("grad,no-grad", context); }),
             tbtest::contains("--baseline 'grad,no-grad'"));
}
