#pragma once
// The search space of `tune`: dimensions of pass choices (a group such as `precision`, or one
// pass such as `threads`), their cartesian product as candidate variants, and the
// combinations the pass table refuses, dropped before anything is measured. Torch-free: what
// it needs from the pass table comes in SpaceContext.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/variant_spec.hpp"

namespace tb::tune {

// What the space needs to know about one pass of the table.
struct PassFacts {
  std::string name;
  bool takes_value = false;  // threads=N, int8-dynamic[=per-channel]
  std::string group;         // passes of one non-empty group exclude each other
};

// "" when `passes` form a valid variant on this device (pass table: values, groups, device,
// conflicts, check hooks), else the reason.
using PassCheck = std::function<std::string(const std::vector<PassSpec>& passes)>;

struct SpaceContext {
  std::string device_type = "cpu";  // "cpu" or "cuda"
  int cpus = 1;                      // CPUs this process may use: the default thread counts
  std::vector<PassFacts> passes;     // the pass table, in table order
  PassCheck check;
};

// The dimensions `--space` knows besides pass names: each value is a `+`-joined pass list
// or `none` (precision: also `fp32`).
inline constexpr std::string_view kGroupKeys[] = {"grad", "graph", "precision"};

struct DimensionValue {
  std::string text;              // as written: "freeze+optimize", "2", "on"
  std::vector<PassSpec> passes;  // what it adds to a candidate (none: empty)
};

struct Dimension {
  std::string key;  // a group key or a pass name
  std::vector<DimensionValue> values;
};

struct Space {
  std::vector<Dimension> dimensions;
  std::vector<PassSpec> fixed;           // --fixed: in every candidate
  std::vector<std::string> unavailable;  // default values this build or machine cannot run, with why
};

// The default space for the device (docs/tune.md), built from the pass table: values whose
// passes the table refuses here (a CUDA pass on a CPU build, ...) are left out and listed
// in `unavailable`.
//   cpu:  grad=inference-mode, graph=none|freeze|freeze+optimize,
//         precision=fp32|bf16|int8-dynamic|fp16-dynamic, threads=1..cpus (a few),
//         interop-threads=1|2
//   cuda: grad=inference-mode, graph=..., precision=fp32|tf32|fp16|bf16, channels-last=off|on,
//         cudnn-benchmark=off|on, cuda-graph=off|on
Space default_space(const SpaceContext& context);

// The default thread counts for `cpus` usable CPUs: 1, the largest powers of two below it
// and cpus itself, at most four values ({1, 2} for 2, {1, 4, 8, 16} for 16).
std::vector<int> default_thread_counts(int cpus);

// Applies one `--space` option: `KEY=V1,V2,...` replaces the dimension KEY (or adds it),
// `KEY+=V,...` adds values to it. KEY is a group key (values: `+`-joined passes, `none`)
// or a pass name (values: the pass's values, `on` for a pass without one, `off` to leave
// it out). Every value is checked on its own against the pass table. Throws UsageError.
void apply_space_option(Space& space, std::string_view text, const SpaceContext& context);

// Applies one `--fixed PASS[,PASS...]`: the passes join every candidate and replace every
// dimension that chooses among them (one that uses the same pass or a pass of its group).
// Throws UsageError.
void apply_fixed(Space& space, std::string_view text, const SpaceContext& context);

struct Candidate {
  std::string name;  // a valid variant name built from its dimension values
  std::vector<PassSpec> passes;
};

struct DroppedCandidate {
  Candidate candidate;
  std::string reason;  // why the pass table refuses the combination
};

struct Expansion {
  std::vector<Candidate> candidates;
  std::vector<DroppedCandidate> dropped;
  std::size_t duplicates = 0;  // combinations equal to an earlier one (a --fixed pass repeated)
};

// The cartesian product of the dimensions (the first varies slowest), each with the fixed
// passes. A combination the check refuses is dropped with the reason; one with the same
// passes as an earlier candidate is counted as a duplicate. Names join the tokens of the
// dimensions that have several values with '.', e.g. "freeze+optimize.bf16.threads-2".
Expansion expand(const Space& space, const PassCheck& check);

// The passes of `--baseline` (a comma list; "" is the default, inference-mode). Throws
// UsageError when the check refuses them.
std::vector<PassSpec> parse_baseline(std::string_view text, const SpaceContext& context);

}  // namespace tb::tune
