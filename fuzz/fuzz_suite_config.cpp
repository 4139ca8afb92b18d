// Suite config files (`run --config FILE`, parse_suite_config): files people write by hand,
// and that `tune --save-config` writes for them.
// Properties: only UsageError escapes, naming the file first; an accepted config writes
// back (to_config_json) to a file that parses to the same config and writes the same text; each
// entry's effective settings either validate or throw UsageError naming the file and the entry.
#include <string>

#include "core/suite_config.hpp"
#include "fuzz_support.hpp"
#include "util/errors.hpp"

namespace {

// Every message names the file first (the command line prints it on one line, control
// characters as '?').
void check_error(const tb::UsageError& e) { TB_FUZZ_CHECK(std::string_view(e.what()).starts_with("fuzz.json: ")); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tb::SuiteConfig config;
  try {
    config = tb::parse_suite_config(tb::fuzz::as_text(data, size), "fuzz.json");
  } catch (const tb::UsageError& e) {
    check_error(e);
    return 0;
  }
  TB_FUZZ_CHECK(!config.suite.empty());
  TB_FUZZ_CHECK(!config.models.empty());
  const auto text = tb::to_config_json(config);
  const auto back = tb::parse_suite_config(text, "written.json");  // must not throw
  TB_FUZZ_CHECK(back.suite == config.suite);
  TB_FUZZ_CHECK(back.description == config.description);
  TB_FUZZ_CHECK(back.defaults == config.defaults);
  TB_FUZZ_CHECK(back.models.size() == config.models.size());
  for (std::size_t i = 0; i < config.models.size(); ++i) {
    TB_FUZZ_CHECK(back.models[i].model == config.models[i].model);
    TB_FUZZ_CHECK(back.models[i].settings == config.models[i].settings);
  }
  TB_FUZZ_CHECK(tb::to_config_json(back) == text);
  for (std::size_t i = 0; i < config.models.size(); ++i) {
    try {
      tb::entry_settings(config, i);
    } catch (const tb::UsageError& e) {
      check_error(e);
    }
  }
  return 0;
}
