// The CUDA passes' rules checked against a cuda device without needing one: validate_variant
// only looks at the device type. On a CPU-only LibTorch, cuda-graph says it needs a CUDA
// build (the tb_cuda hook table is empty); on a CUDA build it is accepted.
#include <string>

#include "catch.hpp"
#include "test_support.hpp"
#include "core/variant_spec.hpp"
#include "passes/cuda_extension.hpp"
#include "passes/pass.hpp"

namespace {

std::string error_on(const std::string& variant, const std::string& device) {
  return tbtest::usage_error_of([&] { tb::passes::validate_variant(tb::parse_variant(variant), c10::Device(device)); });
}

}  // namespace

TEST_CASE("CUDA passes validate on a cuda device and are refused on the cpu", "[passes][cuda_passes]") {
  for (const std::string spec : {"tf32", "cudnn-benchmark", "streams=4"}) {
    INFO(spec);
    CHECK(error_on("v=" + spec, "cuda").empty());
    CHECK_THAT(error_on("v=" + spec, "cpu"), tbtest::contains("works only on --device cuda, not cpu"));
  }
}

TEST_CASE("cuda-graph and streams=N exclude each other", "[passes][cuda_passes]") {
  CHECK_THAT(error_on("v=cuda-graph,streams=2", "cuda"), tbtest::contains("exclude each other"));
}

TEST_CASE("cuda-graph needs the CUDA target of a CUDA LibTorch build", "[passes][cuda_passes]") {
  const auto error = error_on("v=cuda-graph", "cuda:0");
  if (tb::passes::cuda_extension().make_graph_runner) {
    CHECK(error.empty());
  } else {
    CHECK_THAT(error, tbtest::contains("pass 'cuda-graph' needs a CUDA build of LibTorch"));
  }
}
