// The passes that change how TorchScript runs the graph: trace (a new, specialized graph),
// executor and fuser (process-wide JIT settings, restored after each test).
#include <ATen/Config.h>
#include <torch/csrc/api/include/torch/jit.h>
#include <torch/csrc/jit/codegen/fuser/interface.h>
#include <torch/csrc/jit/passes/onednn_graph_fuser.h>
#include <torch/csrc/jit/passes/tensorexpr_fuser.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include "catch.hpp"
#include "pass_test_support.hpp"
#include "util/errors.hpp"

using tb::passes::Stage;
using tbtest::has_node;
using tbtest::PassedModel;

namespace {

// forward branches on the batch size: a trace keeps only the branch its inputs take.
constexpr const char* kBranchy = R"(
def forward(self, x):
    if x.size(0) > 1:
        y = torch.matmul(x, self.w)
    else:
        y = torch.relu(x)
    for i in range(2):
        y = y + 1.0
    return y
)";

// The JIT's process-wide settings, put back when a test ends.
class JitSettingsGuard {
 public:
  JitSettingsGuard()
      : executor_(torch::jit::getExecutorMode()),
        profiling_(torch::jit::getProfilingMode()),
        tensorexpr_(torch::jit::tensorExprFuserEnabled()),
        cpu_fusion_(torch::jit::canFuseOnCPU()),
        gpu_fusion_(torch::jit::canFuseOnGPU()) {}
  ~JitSettingsGuard() {
    torch::jit::getExecutorMode() = executor_;
    torch::jit::getProfilingMode() = profiling_;
    torch::jit::setTensorExprFuserEnabled(tensorexpr_);
    torch::jit::overrideCanFuseOnCPU(cpu_fusion_);
    torch::jit::overrideCanFuseOnGPU(gpu_fusion_);
    if (AT_MKLDNN_ENABLED()) torch::jit::RegisterLlgaFuseGraph::setEnabled(false);  // LibTorch's default
  }

 private:
  bool executor_, profiling_, tensorexpr_, cpu_fusion_, gpu_fusion_;
};

void apply_process(const std::string& passes, const c10::Device& device = c10::Device(c10::kCPU)) {
  tb::passes::VariantContext context;
  context.device = device;
  tb::passes::apply_stage(Stage::process, tb::parse_pass_list(passes), context);
}

// The graph the executor ran last on this thread, after `calls` calls of f(x).
std::shared_ptr<torch::jit::Graph> graph_after_calls(const std::string& source, const at::Tensor& x, int calls) {
  auto cu = torch::jit::compile(source);
  auto& f = cu->get_function("f");
  at::NoGradGuard no_grad;
  for (int i = 0; i < calls; ++i) f({x});
  return torch::jit::lastExecutedOptimizedGraph();
}

}  // namespace

TEST_CASE("trace records the branch the inputs take: a static graph", "[passes][trace]") {
  PassedModel untraced(tbtest::scripted(kBranchy, {"2x4:float32"}));
  const auto reference = untraced.run();
  REQUIRE(has_node(untraced.graph(), "prim::If"));
  REQUIRE(has_node(untraced.graph(), "prim::Loop"));

  PassedModel traced(tbtest::scripted(kBranchy, {"2x4:float32"}));
  traced.apply("trace");
  const auto graph = traced.graph();
  INFO(graph->toString());
  CHECK_FALSE(has_node(graph, "prim::If"));    // the branch is resolved...
  CHECK_FALSE(has_node(graph, "prim::Loop"));  // ...the loop unrolled
  CHECK(has_node(graph, "aten::matmul"));      // batch 2 takes the matmul branch
  CHECK_FALSE(has_node(graph, "aten::relu"));
  CHECK(has_node(graph, "prim::GetAttr"));  // the weight is still module state, not a constant
  CHECK(traced.module().parameters().size() == 1);
  CHECK(at::equal(traced.run(), reference));
}

TEST_CASE("trace specializes on the shape it saw", "[passes][trace]") {
  PassedModel traced(tbtest::scripted(kBranchy, {"1x4:float32"}));
  traced.apply("trace");
  CHECK(has_node(traced.graph(), "aten::relu"));  // batch 1 takes the relu branch
  CHECK_FALSE(has_node(traced.graph(), "aten::matmul"));
  // Run with batch 2 on the batch-1 trace: the relu branch, unlike the scripted model.
  auto x = at::ones({2, 4});
  at::NoGradGuard no_grad;
  CHECK(at::equal(traced.module().forward({x}).toTensor(), at::relu(x) + 2.0));
}

TEST_CASE("trace keeps the outputs of the built-in models", "[passes][trace]") {
  for (auto* make : {&tbtest::small_transformer, &tbtest::small_resnet, &tbtest::small_mlp}) {
    PassedModel plain(make());
    const auto reference = plain.run();
    PassedModel traced(make());
    traced.apply("trace");
    INFO(traced.graph()->toString());
    CHECK_FALSE(has_node(traced.graph(), "prim::CallMethod"));  // one flat graph
    const auto out = traced.run();
    REQUIRE(out.sizes() == reference.sizes());
    CHECK(at::allclose(out, reference, 1e-5, 1e-6));
  }
}

TEST_CASE("trace then freeze: the traced graph freezes, in either written order", "[passes][trace]") {
  PassedModel plain(tbtest::small_resnet());
  const auto reference = plain.run();
  for (const char* passes : {"trace,freeze", "freeze,trace", "trace,optimize"}) {
    INFO(passes);
    PassedModel model(tbtest::small_resnet());
    model.apply(passes);
    CHECK(model.module().parameters().size() == 0);  // frozen after tracing
    CHECK_FALSE(has_node(model.graph(), "prim::GetAttr"));
    CHECK(at::allclose(model.run(), reference, 1e-4, 1e-4));
  }
}

TEST_CASE("trace uses the inputs after stage inputs (batch)", "[passes][trace]") {
  PassedModel traced(tbtest::scripted(kBranchy, {"1x4:float32"}));
  traced.apply("batch=3,trace");
  REQUIRE(traced.values.at(0).toTensor().size(0) == 3);
  CHECK(has_node(traced.graph(), "aten::matmul"));  // traced with batch 3
  CHECK(traced.run().size(0) == 3);
}

TEST_CASE("executor selects the TorchScript graph executor", "[passes][jit]") {
  JitSettingsGuard restore;
  const auto x = at::randn({8, 8});
  const std::string source = "def f(x):\n    return torch.relu(x * 2.0 + 1.0)\n";

  apply_process("executor=simple");
  CHECK(torch::jit::getExecutorMode());
  CHECK_FALSE(torch::jit::getProfilingMode());
  CHECK_FALSE(has_node(graph_after_calls(source, x, 1), "prim::profile"));

  apply_process("executor=profiling");
  CHECK(torch::jit::getExecutorMode());
  CHECK(torch::jit::getProfilingMode());
  CHECK(has_node(graph_after_calls(source, x, 1), "prim::profile"));  // the first call profiles

  apply_process("executor=legacy");
  CHECK_FALSE(torch::jit::getExecutorMode());
  auto cu = torch::jit::compile(source);
  at::NoGradGuard no_grad;
  CHECK(at::equal(cu->get_function("f")({x}).toTensor(), at::relu(x * 2.0 + 1.0)));
}

TEST_CASE("fuser=onednn fuses a frozen CNN into oneDNN Graph partitions", "[passes][jit]") {
  if (!AT_MKLDNN_ENABLED()) {
    CHECK_THROWS_AS(apply_process("fuser=onednn"), tb::passes::Unsupported);
    return;
  }
  JitSettingsGuard restore;
  PassedModel plain(tbtest::small_resnet());
  const auto reference = plain.run();

  apply_process("fuser=onednn");
  CHECK(torch::jit::getProfilingMode());
  PassedModel model(tbtest::small_resnet());
  model.apply("freeze");
  at::Tensor out;
  for (int i = 0; i < 3; ++i) out = model.run();  // profile, then run the fused graph
  const auto graph = torch::jit::lastExecutedOptimizedGraph();
  INFO(graph->toString());
  CHECK(has_node(graph, "prim::oneDNNFusionGroup"));
  CHECK(at::allclose(out, reference, 1e-3, 1e-3));
}

TEST_CASE("fuser=none leaves an elementwise chain unfused", "[passes][jit]") {
  JitSettingsGuard restore;
  apply_process("fuser=none");
  CHECK_FALSE(torch::jit::tensorExprFuserEnabled());
  CHECK_FALSE(torch::jit::canFuseOnCPU());
  const auto graph = graph_after_calls("def f(x):\n    return torch.relu(x * 2.0 + 1.0) * x\n", at::randn({8, 8}), 3);
  CHECK_FALSE(has_node(graph, "prim::TensorExprGroup"));
  CHECK(has_node(graph, "aten::mul"));
}

TEST_CASE("fuser=tensorexpr fuses an elementwise chain, or is unsupported without LLVM", "[passes][jit]") {
  JitSettingsGuard restore;
  try {
    apply_process("fuser=tensorexpr");
  } catch (const tb::passes::Unsupported& e) {
    CHECK_THAT(std::string(e.what()), tbtest::contains("without LLVM"));
    CHECK_FALSE(torch::jit::canFuseOnCPU());  // nothing was switched on
    return;
  }
  CHECK(torch::jit::tensorExprFuserEnabled());
  CHECK(torch::jit::canFuseOnCPU());
  const auto graph = graph_after_calls("def f(x):\n    return torch.relu(x * 2.0 + 1.0) * x\n", at::randn({8, 8}), 3);
  CHECK(has_node(graph, "prim::TensorExprGroup"));
}
