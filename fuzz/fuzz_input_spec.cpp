// `--input SPEC` and the specs inside a model's torchbench_inputs.json (parse_input_spec).
// Properties: only UsageError escapes (any other exception is a crash here); an accepted
// spec has positive dimensions, a countable size, a non-empty range whose integer bounds
// convert to int64 exactly, and survives to_string -> parse unchanged.
#include <cmath>

#include "core/input_spec.hpp"
#include "fuzz_support.hpp"
#include "util/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tb::InputSpec spec;
  try {
    spec = tb::parse_input_spec(tb::fuzz::as_text(data, size));
  } catch (const tb::UsageError&) {
    return 0;
  }
  for (const auto dim : spec.shape) TB_FUZZ_CHECK(dim > 0);
  TB_FUZZ_CHECK(tb::element_count(spec) >= 1);
  if (spec.range) {
    TB_FUZZ_CHECK(std::isfinite(spec.range->low) && std::isfinite(spec.range->high));
    TB_FUZZ_CHECK(spec.range->low <= spec.range->high);
    // Integer bounds become int64 when the inputs are generated (model/inputs.cpp): they
    // must convert exactly, with room for the +1 of an inclusive upper bound.
    if (!tb::is_floating(spec.dtype)) {
      TB_FUZZ_CHECK(std::abs(spec.range->low) <= 9007199254740992.0 && std::abs(spec.range->high) <= 9007199254740992.0);
    }
  }
  const auto text = tb::to_string(spec);
  TB_FUZZ_CHECK(tb::parse_input_spec(text) == spec);
  return 0;
}
