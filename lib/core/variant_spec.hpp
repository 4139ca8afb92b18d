#pragma once
// Variants as the user writes them: `--variant fast=freeze,optimize,threads=2` and
// `--sweep batch=1,8,32`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tb {

struct PassSpec {
  std::string name;
  std::optional<std::string> value;  // `threads=2` -> "2"; `freeze` -> nullopt

  bool operator==(const PassSpec&) const = default;
};

struct VariantSpec {
  std::string name;
  std::vector<PassSpec> passes;

  bool operator==(const VariantSpec&) const = default;
};

struct SweepSpec {
  std::string key;                  // a pass name, e.g. "batch"
  std::vector<std::string> values;  // {"1", "8", "32"}
};

// `NAME=PASS[,PASS...]`; `NAME=` is a variant with no passes. Throws UsageError.
VariantSpec parse_variant(std::string_view text);

// `PASS[,PASS...]` where PASS is `name` or `name=value`; "" gives no passes. A value may
// hold commas when what follows each starts with a digit: `pin=0-3,6,freeze` is pin=0-3,6
// and freeze.
std::vector<PassSpec> parse_pass_list(std::string_view text);

// `KEY=V1,V2,...`. Throws UsageError.
SweepSpec parse_sweep(std::string_view text);

// The cartesian product: every variant times every combination of sweep values, in order
// (the first sweep varies slowest). A swept key replaces the same pass in the variant.
// Names get the suffix `/key=value` per sweep, e.g. "fast/batch=8".
std::vector<VariantSpec> expand_sweeps(const std::vector<VariantSpec>& variants,
                                       const std::vector<SweepSpec>& sweeps);

std::string to_string(const PassSpec& pass);
std::string to_string(const std::vector<PassSpec>& passes);  // "freeze,threads=2"

}  // namespace tb
