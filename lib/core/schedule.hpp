#pragma once
// How the variants of a run share the machine: interleaved rounds (default) or one after the
// other, and when a variant has measured enough. Pure functions, unit-tested.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/timing_options.hpp"

namespace tb {

enum class ScheduleMode {
  interleaved,  // every variant's worker stays alive; rounds in a seeded random order
  sequential,   // one variant at a time, start to finish
};

struct ScheduleOptions {
  ScheduleMode mode = ScheduleMode::interleaved;
  // The variant's --min/--max limits are spread over this many rounds (with a target
  // precision, the minimums take this many rounds, so it is also the fewest rounds).
  std::int64_t rounds = 5;
  // Adaptive stopping: a variant is done once the bootstrap CI of its median is within
  // ±target_precision (relative, e.g. 0.01) and its minimums are met; rounds continue past
  // `rounds` until then or until a maximum (--max-time, --max-iters) is reached.
  std::optional<double> target_precision;
  // Worker processes per variant, one after the other: process p measures rounds
  // [p·rounds/processes, (p+1)·rounds/processes). A process has its own memory layout and
  // its own luck with caches, a bias that no number of samples from one process reveals;
  // with several, `compare` can measure that spread (docs/statistics.md).
  std::int64_t processes = 1;
};

// Rounds per worker process when --processes is given and --rounds is not: with several
// rounds a process, a comparison inside one interleaved run pairs them and outvotes the one
// round that straddles a change of the machine's state (compare_paired).
inline constexpr std::int64_t kRoundsPerProcess = 4;

// The rounds of a run that leaves --rounds out: the default, or kRoundsPerProcess per process.
std::int64_t default_rounds(std::int64_t processes);

// "interleaved" / "sequential"; parse throws UsageError.
std::string to_string(ScheduleMode mode);
ScheduleMode parse_schedule_mode(const std::string& text);

// Throws UsageError for rounds < 1 or a target precision outside (0, 1).
void validate(const ScheduleOptions& options);

// The stopping rules of one round: the variant's limits divided by the number of rounds
// (iterations rounded up, so the rounds together reach the minimums).
TimingOptions round_timing(const TimingOptions& total, std::int64_t rounds);

// The order of `live` variants in round `round`: a shuffle seeded by (seed, round), so a run
// is reproducible and slow drift of the machine hits every variant alike.
std::vector<std::size_t> round_order(std::vector<std::size_t> live, std::uint64_t seed, std::int64_t round);

// What a variant has measured so far.
struct MeasureProgress {
  std::int64_t rounds = 0;
  std::int64_t iters = 0;
  double seconds = 0;  // measured time (sum of host times)
  std::optional<double> relative_half_width;  // of the median's CI, when computed
};

// Which worker process measures round `round` (0-based): the rounds are split into
// `processes` equal blocks; rounds past `rounds` (adaptive stopping) stay with the last.
std::int64_t process_of_round(const ScheduleOptions& schedule, std::int64_t round);

// Whether a variant stops measuring.
bool measurement_complete(const TimingOptions& timing, const ScheduleOptions& schedule,
                          const MeasureProgress& progress);

}  // namespace tb
