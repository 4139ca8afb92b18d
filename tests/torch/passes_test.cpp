// The pass registry: validate_variant's checks, and apply_stage on inputs and on a real
// (small) built-in model.
#include <ATen/Parallel.h>
#include <sched.h>

#include <algorithm>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "core/model_ref.hpp"
#include "core/variant_spec.hpp"
#include "model/builtin_models.hpp"
#include "model/inputs.hpp"
#include "model/model.hpp"
#include "model/outputs.hpp"
#include "passes/pass.hpp"
#include "util/errors.hpp"

using tb::parse_variant;
using tb::passes::apply_stage;
using tb::passes::Stage;
using tb::passes::validate_variant;

namespace {

std::string validation_error(const std::string& variant_text) {
  return tbtest::usage_error_of([&] { validate_variant(parse_variant(variant_text)); });
}

}  // namespace

TEST_CASE("the pass table", "[passes]") {
  std::vector<std::string> names;
  for (const auto* pass : tb::passes::pass_table()) names.emplace_back(pass->name);
  CHECK(names == std::vector<std::string>{"grad", "no-grad", "inference-mode", "autocast", "cuda-graph", "streams",
                                          "bf16", "fp16", "channels-last", "trace", "freeze", "int8-dynamic",
                                          "fp16-dynamic", "optimize", "pin", "threads", "interop-threads", "executor",
                                          "fuser", "tf32", "cudnn-benchmark", "batch", "seq-len"});
  for (const auto* pass : tb::passes::pass_table()) {
    INFO(pass->name);
    CHECK(tb::passes::find_pass(pass->name) == pass);
    CHECK_FALSE(pass->summary.empty());
    CHECK(pass->apply != nullptr);
  }
  CHECK(tb::passes::find_pass("nope") == nullptr);
  CHECK(tb::passes::find_pass("batch")->stage == Stage::inputs);
  CHECK(tb::passes::find_pass("freeze")->stage == Stage::model);
  CHECK(tb::passes::find_pass("freeze")->needs_torchscript);
  CHECK(tb::passes::find_pass("threads")->stage == Stage::process);
  CHECK(tb::passes::find_pass("no-grad")->stage == Stage::execution);
  for (const char* name : {"freeze", "optimize", "trace", "bf16", "fp16", "channels-last", "executor", "fuser"}) {
    INFO(name);
    CHECK(tb::passes::find_pass(name)->needs_torchscript);
  }
  CHECK(tb::passes::find_pass("autocast")->stage == Stage::execution);
  CHECK(tb::passes::find_pass("pin")->stage == Stage::process);
  CHECK(tb::passes::find_pass("fuser")->stage == Stage::process);
  CHECK(tb::passes::find_pass("seq-len")->stage == Stage::inputs);
}

TEST_CASE("validate_variant accepts valid variants", "[passes]") {
  CHECK_NOTHROW(validate_variant(parse_variant("plain=")));
  CHECK_NOTHROW(validate_variant(parse_variant("fast=freeze,optimize,threads=2")));
  CHECK_NOTHROW(validate_variant(parse_variant("b=inference-mode,batch=8,interop-threads=1")));
  CHECK_NOTHROW(validate_variant(parse_variant("g=grad")));
  CHECK_NOTHROW(validate_variant(parse_variant("t=trace,freeze,optimize,inference-mode")));
  CHECK_NOTHROW(validate_variant(parse_variant("a=autocast,freeze")));
  CHECK_NOTHROW(validate_variant(parse_variant("a=autocast=fp16,trace")));
  CHECK_NOTHROW(validate_variant(parse_variant("h=bf16,channels-last,freeze,seq-len=32")));
  CHECK_NOTHROW(validate_variant(parse_variant("j=executor=simple,fuser=none")));
  CHECK_NOTHROW(validate_variant(parse_variant("j=executor=profiling,fuser=onednn,freeze")));
  CHECK_NOTHROW(validate_variant(parse_variant("p=pin=0,threads=2")));
}

TEST_CASE("validate_variant rejects impossible combinations before anything runs", "[passes]") {
  SECTION("one precision at a time") {
    const auto message = validation_error("v=bf16,fp16");
    CHECK_THAT(message, tbtest::contains("variant 'v'"));
    CHECK_THAT(message, tbtest::contains("exclude each other"));
  }
  SECTION("autocast and a whole-model cast, in either order") {
    for (const char* text : {"v=autocast,bf16", "v=fp16,autocast=fp16"}) {
      INFO(text);
      const auto message = validation_error(text);
      CHECK_THAT(message, tbtest::contains("cannot be combined"));
      CHECK_THAT(message, tbtest::contains("autocast picks a dtype per op"));
    }
  }
  SECTION("a fuser needs the profiling executor") {
    const auto message = validation_error("v=fuser=onednn,executor=simple");
    CHECK_THAT(message, tbtest::contains("variant 'v': fuser=onednn needs the profiling executor"));
    CHECK_THAT(message, tbtest::contains("not executor=simple"));
    CHECK_THAT(validation_error("v=executor=legacy,fuser=tensorexpr"), tbtest::contains("needs the profiling executor"));
  }
  SECTION("oneDNN Graph is CPU-only") {
    const auto message = tbtest::usage_error_of(
        [] { validate_variant(parse_variant("v=fuser=onednn"), c10::Device(c10::kCUDA, 0)); });
    CHECK_THAT(message, tbtest::contains("fuser=onednn works only on --device cpu"));
  }
  SECTION("choice values") {
    CHECK_THAT(validation_error("v=autocast=fp32"), tbtest::contains("takes one of bf16, fp16 (got 'fp32'"));
    CHECK_THAT(validation_error("v=executor"), tbtest::contains("takes one of profiling, simple, legacy"));
    CHECK_THAT(validation_error("v=fuser=nnc"), tbtest::contains("takes one of none, tensorexpr, onednn"));
    CHECK_THAT(validation_error("v=executor=simpel"), tbtest::contains("did you mean 'simple'"));
  }
  SECTION("flags and integers") {
    CHECK_THAT(validation_error("v=trace=1"), tbtest::contains("takes no value"));
    CHECK_THAT(validation_error("v=seq-len=0"), tbtest::contains("needs a positive integer"));
    CHECK_THAT(validation_error("v=pin"), tbtest::contains("needs a CPU list"));
    CHECK_THAT(validation_error("v=pin=3-1"), tbtest::contains("needs a CPU list"));
  }
}

TEST_CASE("pin rejects CPUs this process may not use", "[passes][pin]") {
  const auto message = validation_error("v=pin=0,65535");
  CHECK_THAT(message, tbtest::contains("variant 'v': pin=0,65535: CPU 65535 is not available to this process"));
  CHECK_THAT(message, tbtest::contains("(it may use "));
  CHECK_THAT(validation_error("v=pin=65530-65535"), tbtest::contains("CPUs 65530-65535 are not available"));
}

TEST_CASE("conflicts_of lists conflicts declared on either side", "[passes]") {
  const auto autocast = tb::passes::conflicts_of(*tb::passes::find_pass("autocast"));  // declared by bf16, fp16
  CHECK(std::find(autocast.begin(), autocast.end(), "bf16") != autocast.end());
  CHECK(std::find(autocast.begin(), autocast.end(), "fp16") != autocast.end());
  const auto bf16 = tb::passes::conflicts_of(*tb::passes::find_pass("bf16"));
  CHECK(std::find(bf16.begin(), bf16.end(), "autocast") != bf16.end());
  CHECK(tb::passes::conflicts_of(*tb::passes::find_pass("freeze")).empty());
}

TEST_CASE("validate_variant errors name the variant and the problem", "[passes]") {
  SECTION("an unknown pass suggests the closest") {
    const auto message = validation_error("v=frezee");
    CHECK_THAT(message, tbtest::contains("variant 'v'"));
    CHECK_THAT(message, tbtest::contains("unknown pass 'frezee'"));
    CHECK_THAT(message, tbtest::contains("did you mean 'freeze'"));
    CHECK_THAT(validation_error("v=optimise"), tbtest::contains("did you mean 'optimize'"));
    CHECK_THAT(validation_error("v=nograd"), tbtest::contains("did you mean 'no-grad'"));
  }
  SECTION("an unknown pass with nothing close") {
    const auto message = validation_error("v=quantize");
    CHECK_THAT(message, tbtest::contains("unknown pass 'quantize'"));
    CHECK_THAT(message, !tbtest::contains("did you mean"));
  }
  SECTION("a value on a flag pass") {
    CHECK_THROWS_AS(validate_variant(parse_variant("v=freeze=1")), tb::UsageError);
    CHECK_THAT(validation_error("v=freeze=1"), tbtest::contains("takes no value"));
  }
  SECTION("integer passes need a positive integer") {
    CHECK_THAT(validation_error("v=threads"), tbtest::contains("needs a positive integer"));
    CHECK_THAT(validation_error("v=threads=0"), tbtest::contains("(got '0')"));
    CHECK_THAT(validation_error("v=batch=-4"), tbtest::contains("(got '-4')"));
    CHECK_THAT(validation_error("v=batch=two"), tbtest::contains("(got 'two')"));
    CHECK_THAT(validation_error("v=interop-threads=1.5"), tbtest::contains("needs a positive integer"));
  }
  SECTION("a duplicate pass") {
    CHECK_THAT(validation_error("v=freeze,optimize,freeze"), tbtest::contains("'freeze' appears twice"));
    CHECK_THAT(validation_error("v=batch=2,batch=4"), tbtest::contains("appears twice"));
  }
  SECTION("passes of one group exclude each other") {
    const auto message = validation_error("v=grad,no-grad");
    CHECK_THAT(message, tbtest::contains("exclude each other"));
    CHECK_THAT(message, tbtest::contains("grad, no-grad, inference-mode"));
    CHECK_THAT(validation_error("v=inference-mode,no-grad"), tbtest::contains("exclude each other"));
  }
}

TEST_CASE("parse_cpu_list", "[passes]") {
  using tb::passes::parse_cpu_list;
  CHECK(parse_cpu_list("0") == std::vector<int>{0});
  CHECK(parse_cpu_list("0-3,6") == std::vector<int>{0, 1, 2, 3, 6});
  CHECK(parse_cpu_list("3,1,1-2") == std::vector<int>{1, 2, 3});
  CHECK_FALSE(parse_cpu_list(""));
  CHECK_FALSE(parse_cpu_list("3-1"));
  CHECK_FALSE(parse_cpu_list("-1"));
  CHECK_FALSE(parse_cpu_list("a"));
  CHECK_FALSE(parse_cpu_list("1,,2"));
  CHECK_FALSE(parse_cpu_list("0-999999"));
}

TEST_CASE("usage_form shows how a pass is written", "[passes]") {
  CHECK(tb::passes::usage_form(*tb::passes::find_pass("freeze")) == "freeze");
  CHECK(tb::passes::usage_form(*tb::passes::find_pass("threads")) == "threads=N");
  CHECK(tb::passes::usage_form(*tb::passes::find_pass("autocast")) == "autocast[=bf16|fp16]");
  CHECK(tb::passes::usage_form(*tb::passes::find_pass("executor")) == "executor=profiling|simple|legacy");
  CHECK(tb::passes::usage_form(*tb::passes::find_pass("pin")) == "pin=CPUS");
  CHECK(tb::passes::usage_form(*tb::passes::find_pass("seq-len")) == "seq-len=N");
}

TEST_CASE("int_value", "[passes]") {
  CHECK(tb::passes::int_value(tb::PassSpec{"batch", std::string("32")}) == 32);
}

TEST_CASE("apply_stage inputs: batch rewrites dim 0 of every shaped input", "[passes]") {
  tb::passes::VariantContext context;
  context.inputs = {tb::parse_input_spec("1x3x32x32:float32"), tb::parse_input_spec("scalar:float32"),
                    tb::parse_input_spec("2x8:int64[0,10)")};
  const auto passes = parse_variant("v=freeze,batch=8,no-grad").passes;
  apply_stage(Stage::inputs, passes, context);
  CHECK(tb::to_string(context.inputs[0]) == "8x3x32x32:float32");
  CHECK(context.inputs[1].shape.empty());
  CHECK(context.inputs[2].shape == std::vector<std::int64_t>{8, 8});
  CHECK(context.inputs[2].dtype == tb::DType::int64);  // only the shape changes
  REQUIRE(context.inputs[2].range.has_value());
  CHECK(context.inputs[2].range->high == 10.0);
  // Other stages' passes did nothing: no model was needed, no scopes were opened.
  CHECK(context.scopes.empty());
}

TEST_CASE("apply_stage inputs: seq-len rewrites dim 1 of inputs with 2 or 3 dimensions", "[passes]") {
  tb::passes::VariantContext context;
  context.inputs = {tb::parse_input_spec("1x128:int64[0,30522)"), tb::parse_input_spec("1x128:bool"),
                    tb::parse_input_spec("1x128x64:float32"), tb::parse_input_spec("4:float32"),
                    tb::parse_input_spec("scalar:float32"), tb::parse_input_spec("1x3x32x32:float32")};
  apply_stage(Stage::inputs, parse_variant("v=seq-len=32,batch=2").passes, context);
  CHECK(tb::to_string(context.inputs[0]) == "2x32:int64[0,30522)");
  CHECK(tb::to_string(context.inputs[1]) == "2x32:bool");
  CHECK(tb::to_string(context.inputs[2]) == "2x32x64:float32");
  CHECK(context.inputs[3].shape == std::vector<std::int64_t>{2});  // batch only: no sequence dimension
  CHECK(context.inputs[4].shape.empty());
  CHECK(tb::to_string(context.inputs[5]) == "2x3x32x32:float32");  // an image: dim 1 is channels

  for (const char* spec : {"8:float32", "1x3x224x224:float32"}) {
    INFO(spec);
    tb::passes::VariantContext other;
    other.inputs = {tb::parse_input_spec(spec)};
    CHECK_THROWS_AS(apply_stage(Stage::inputs, parse_variant("v=seq-len=4").passes, other), tb::passes::Unsupported);
  }
}

TEST_CASE("seq-len inputs stay row-seeded: a longer sequence starts with the same tokens", "[passes]") {
  auto specs = std::vector{tb::parse_input_spec("2x8:int64[0,1000)")};
  const auto short_ids = tb::model::make_inputs(specs, 7, c10::Device(c10::kCPU)).at(0).toTensor();
  tb::passes::VariantContext context;
  context.inputs = specs;
  apply_stage(Stage::inputs, parse_variant("v=seq-len=16,batch=3").passes, context);
  const auto long_ids = tb::model::make_inputs(context.inputs, 7, c10::Device(c10::kCPU)).at(0).toTensor();
  REQUIRE(long_ids.sizes() == c10::IntArrayRef({3, 16}));
  CHECK(at::equal(long_ids.narrow(0, 0, 2).narrow(1, 0, 8), short_ids));
}

TEST_CASE("pin restricts this process to the CPUs and sets one thread per CPU", "[passes][pin]") {
  cpu_set_t original;
  CPU_ZERO(&original);
  REQUIRE(sched_getaffinity(0, sizeof original, &original) == 0);
  std::vector<int> allowed;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &original)) allowed.push_back(cpu);
  }
  const int threads_before = at::get_num_threads();
  const std::string all = [&] {
    std::string text;
    for (const int cpu : allowed) text += (text.empty() ? "" : ",") + std::to_string(cpu);
    return text;
  }();

  tb::passes::VariantContext context;
  apply_stage(Stage::process, parse_variant("v=pin=" + std::to_string(allowed.back())).passes, context);
  cpu_set_t now;
  CPU_ZERO(&now);
  REQUIRE(sched_getaffinity(0, sizeof now, &now) == 0);
  CHECK(CPU_COUNT(&now) == 1);
  CHECK(CPU_ISSET(allowed.back(), &now));
  CHECK(at::get_num_threads() == 1);

  // threads=N applies after pin, whatever the written order.
  apply_stage(Stage::process, parse_variant("v=threads=2,pin=" + all).passes, context);
  CHECK(at::get_num_threads() == 2);
  REQUIRE(sched_getaffinity(0, sizeof now, &now) == 0);
  CHECK(CPU_EQUAL(&now, &original));
  at::set_num_threads(threads_before);
}

TEST_CASE("apply_stage execution opens the autograd scopes", "[passes]") {
  const bool before = c10::GradMode::is_enabled();
  {
    tb::passes::VariantContext context;
    apply_stage(Stage::execution, parse_variant("v=no-grad").passes, context);
    CHECK(context.scopes.size() == 1);
    CHECK_FALSE(c10::GradMode::is_enabled());
  }
  CHECK(c10::GradMode::is_enabled() == before);  // restored with the scope
  {
    tb::passes::VariantContext context;
    apply_stage(Stage::execution, parse_variant("v=inference-mode").passes, context);
    CHECK(c10::InferenceMode::is_enabled());
  }
  CHECK_FALSE(c10::InferenceMode::is_enabled());
}

TEST_CASE("model passes need a TorchScript model", "[passes]") {
  tb::passes::VariantContext context;  // no model
  CHECK_THROWS_AS(apply_stage(Stage::model, parse_variant("v=freeze").passes, context), std::runtime_error);
}

TEST_CASE("freeze and optimize keep the outputs of a small resnet18", "[passes]") {
  tb::ModelRef ref;
  ref.kind = tb::ModelRef::Kind::builtin;
  ref.name = "resnet18";
  ref.params = tb::model::BuiltinParams{{"width", 8}, {"image", 32}, {"classes", 10}};

  auto reference_model = tb::model::load_model(ref, 3);
  const auto inputs = tb::model::make_inputs(reference_model->declared_inputs(), 5, c10::Device(c10::kCPU));
  at::Tensor reference;
  {
    c10::InferenceMode guard;
    reference = tb::model::flatten_outputs(reference_model->run(inputs)).at(0);
  }

  for (const char* variant : {"v=freeze", "v=optimize", "v=freeze,optimize"}) {
    INFO(variant);
    auto model = tb::model::load_model(ref, 3);
    tb::passes::VariantContext context;
    context.model = model.get();
    context.inputs = model->declared_inputs();
    const auto passes = parse_variant(variant).passes;
    REQUIRE_NOTHROW(validate_variant(parse_variant(variant)));
    REQUIRE(model->torchscript()->parameters().size() > 0);
    apply_stage(Stage::model, passes, context);
    REQUIRE(model->torchscript() != nullptr);
    // Frozen: the parameters are graph constants now, not attributes.
    CHECK(model->torchscript()->parameters().size() == 0);
    at::Tensor out;
    {
      c10::InferenceMode guard;
      out = tb::model::flatten_outputs(model->run(inputs)).at(0);
    }
    REQUIRE(out.sizes() == reference.sizes());
    CHECK(at::allclose(out, reference, 1e-4, 1e-4));
  }
}
