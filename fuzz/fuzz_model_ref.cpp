// MODEL arguments: a path or `builtin:NAME[:key=value,...]` (parse_model_ref).
// Properties: only UsageError escapes; a built-in reference prints back (ModelRef::text)
// to text that parses to the same reference; anything else is a file path kept verbatim,
// and valid UTF-8.
#include "core/model_ref.hpp"
#include "fuzz_support.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = tb::fuzz::as_text(data, size);
  tb::ModelRef ref;
  try {
    ref = tb::parse_model_ref(text);
  } catch (const tb::UsageError&) {
    return 0;
  }
  if (ref.kind == tb::ModelRef::Kind::file) {
    TB_FUZZ_CHECK(ref.name == text && ref.params.empty() && ref.text() == text);
    TB_FUZZ_CHECK(tb::is_valid_utf8(text));  // it goes into JSON (the job, the report)
    return 0;
  }
  TB_FUZZ_CHECK(!ref.name.empty());
  const auto again = tb::parse_model_ref(ref.text());
  TB_FUZZ_CHECK(again.kind == ref.kind && again.name == ref.name && again.params == ref.params);
  return 0;
}
