// Merging shard reports (`merge`, merge_reports): reports written by other machines and other
// versions, possibly hand-edited or hostile. The input holds two reports separated by a NUL
// byte (one report when there is none).
// Properties: only tb::Error escapes (UsageError: the reports do not belong together;
// ModelError: one is not a valid report), on one line; a merged report is a valid report
// (parse_report) with the results of both, and merges again with nothing new refused.
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "report/merge.hpp"
#include "report/report_reader.hpp"
#include "util/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = tb::fuzz::as_text(data, size);
  std::vector<tb::report::MergeInput> inputs;
  const auto nul = text.find('\0');
  inputs.push_back({"a.json", std::string(text.substr(0, nul))});
  if (nul != std::string_view::npos) inputs.push_back({"b.json", std::string(text.substr(nul + 1))});
  tb::report::MergeResult merged;
  try {
    merged = tb::report::merge_reports(inputs);
  } catch (const tb::Error& e) {
    TB_FUZZ_CHECK(std::string_view(e.what()).find('\n') == std::string_view::npos);
    return 0;
  }
  const auto report = tb::report::parse_report(merged.report.dump(), "merged.json");  // must not throw
  std::size_t results = 0;
  for (const auto& input : inputs) results += tb::report::parse_report(input.text, input.name).results.size();
  TB_FUZZ_CHECK(report.results.size() == results);
  TB_FUZZ_CHECK(!merged.shards.empty());
  TB_FUZZ_CHECK(merged.shards.size() + merged.missing.size() == static_cast<std::size_t>(merged.shard_count));
  return 0;
}
