// `trace`: re-traces the TorchScript module with the variant's inputs, as torch.jit.trace
// does for an nn.Module: one run of forward records the ATen ops it executes into a new,
// static graph. Control flow is resolved for these inputs (an `if` keeps the branch taken,
// a loop is unrolled) and sizes read from tensors become constants, so the graph is
// specialized to this input shape: what a deployment with a fixed shape runs.
//
// torch.jit.trace cannot do this for a ScriptModule (it returns the module unchanged), and
// calling a scripted method while tracing records the whole scripted graph, control flow
// included. So the forward graph (submodule calls inlined) runs in the interpreter with the
// tracer on: every op dispatches through the tracer, the interpreter's own control flow does
// not. Parameters and buffers are recorded as attribute reads of a copy of the module tree
// that shares their tensors, so freeze and optimize still see them as module state.
#include <c10/util/irange.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/runtime/interpreter.h>

#include "model/errors.hpp"
#include "model/model.hpp"
#include "passes/pass.hpp"

namespace tb::passes {
namespace {

// The module tree of `module` without its methods: the same attributes (parameters, buffers,
// submodules, other state), the same tensors, new class types in `cu`.
torch::jit::Module attribute_copy(const torch::jit::Module& module,
                                  const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  const auto type = module.type();
  torch::jit::Module copy(*type->name(), cu, /*shouldMangle=*/true);
  for (const auto i : c10::irange(type->numAttributes())) {
    const auto& name = type->getAttributeName(i);
    const auto value = module._ivalue()->getSlot(i);
    if (value.isObject() && value.toObjectRef().type()->is_module()) {
      copy.register_module(name, attribute_copy(torch::jit::Module(value.toObject()), cu));
    } else {
      copy.register_attribute(name, type->getAttribute(i), value, type->is_parameter(i), type->is_buffer(i));
    }
  }
  return copy;
}

torch::jit::Module trace_module(const torch::jit::Module& module, const std::vector<c10::IValue>& inputs) {
  const auto& forward = module.get_method("forward").function();
  const auto& arguments = forward.getSchema().arguments();
  if (inputs.size() + 1 > arguments.size()) {
    throw std::runtime_error("trace: forward takes " + std::to_string(arguments.size() - 1) + " inputs, got " +
                             std::to_string(inputs.size()));
  }
  // Arguments the inputs leave out take their defaults; the trace records them as constants.
  std::vector<c10::IValue> defaults;
  std::vector<std::string> names;
  for (std::size_t i = 1; i < arguments.size(); ++i) {
    names.push_back(arguments[i].name());
    if (i > inputs.size()) {
      if (!arguments[i].default_value()) throw std::runtime_error("trace: no value for input " + arguments[i].name());
      defaults.push_back(*arguments[i].default_value());
    }
  }

  auto graph = torch::jit::toGraphFunction(forward).graph()->copy();
  torch::jit::Inline(*graph);
  torch::jit::runRequiredPasses(graph);  // the lowering every graph executor applies before running
  const torch::jit::Code code(graph, "forward");

  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  auto traced = attribute_copy(module, cu);
  const auto run_forward = [&](torch::jit::Stack traced_inputs) {
    torch::jit::Stack stack{module._ivalue()};
    stack.insert(stack.end(), traced_inputs.begin(), traced_inputs.end());
    stack.insert(stack.end(), defaults.begin(), defaults.end());
    torch::jit::InterpreterState(code).run(stack);
    return stack;
  };
  std::shared_ptr<torch::jit::Graph> traced_graph;
  try {
    at::NoGradGuard no_grad;  // the graph is the same; no autograd records are kept
    auto [state, outputs] = torch::jit::tracer::trace(
        inputs, run_forward, [](const at::Tensor&) { return std::string(); }, /*strict=*/false,
        /*force_outplace=*/false, &traced, names);
    traced_graph = state->graph;
  } catch (const std::exception& e) {
    // The model ran here for the first time in this variant: say that it failed while tracing.
    throw std::runtime_error("trace: forward failed on the variant's inputs: " + model::first_line(e));
  }
  traced.type()->addMethod(cu->create_function(c10::QualifiedName(*traced.type()->name(), "forward"), traced_graph));
  return traced;
}

}  // namespace

extern const PassInfo kTracePass = {
    .name = "trace",
    .summary = "re-trace forward with the variant's inputs: a static graph for this shape (torch.jit.trace)",
    .stage = Stage::model,
    .needs_torchscript = true,
    .apply = [](VariantContext& context, const PassSpec&) {
      if (!context.input_values) throw std::runtime_error("trace: no example inputs");
      auto& model = *context.model;
      model.set_torchscript(trace_module(*model.torchscript(), *context.input_values));
    },
};

}  // namespace tb::passes
