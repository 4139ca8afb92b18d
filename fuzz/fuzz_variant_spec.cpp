// `--variant NAME=PASSES`, pass lists and `--sweep KEY=V1,V2` (parse_variant,
// parse_pass_list, parse_sweep, expand_sweeps). The first byte picks the parser.
// Properties: only UsageError escapes; what is accepted prints back to text that parses to
// the same value; a sweep expands to one variant per value, each named NAME/KEY=VALUE.
#include "core/variant_spec.hpp"
#include "fuzz_support.hpp"
#include "util/errors.hpp"

namespace {

void variant(std::string_view text) {
  const auto v = tb::parse_variant(text);
  TB_FUZZ_CHECK(!v.name.empty());
  TB_FUZZ_CHECK(tb::parse_variant(v.name + "=" + tb::to_string(v.passes)) == v);
}

void pass_list(std::string_view text) {
  const auto passes = tb::parse_pass_list(text);
  for (const auto& pass : passes) {
    TB_FUZZ_CHECK(!pass.name.empty());
    TB_FUZZ_CHECK(!pass.value || !pass.value->empty());
  }
  TB_FUZZ_CHECK(tb::parse_pass_list(tb::to_string(passes)) == passes);
}

void sweep(std::string_view text) {
  const auto s = tb::parse_sweep(text);
  TB_FUZZ_CHECK(!s.key.empty() && !s.values.empty());
  const std::vector<tb::VariantSpec> base = {{"a", {}}, {"b", {{s.key, "x"}}}};
  const auto expanded = tb::expand_sweeps(base, {s});
  TB_FUZZ_CHECK(expanded.size() == base.size() * s.values.size());
  for (std::size_t i = 0; i < expanded.size(); ++i) {
    const auto& value = s.values[i % s.values.size()];
    TB_FUZZ_CHECK(expanded[i].name == base[i / s.values.size()].name + "/" + s.key + "=" + value);
    std::size_t with_key = 0;
    for (const auto& pass : expanded[i].passes) with_key += pass.name == s.key && pass.value == value;
    TB_FUZZ_CHECK(with_key == 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto text = tb::fuzz::as_text(data + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: variant(text); break;
      case 1: pass_list(text); break;
      default: sweep(text); break;
    }
  } catch (const tb::UsageError&) {
  }
  return 0;
}
