#include "core/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "util/errors.hpp"

namespace tb {

std::string to_string(ScheduleMode mode) { return mode == ScheduleMode::interleaved ? "interleaved" : "sequential"; }

ScheduleMode parse_schedule_mode(const std::string& text) {
  if (text == "interleaved") return ScheduleMode::interleaved;
  if (text == "sequential") return ScheduleMode::sequential;
  throw UsageError("--schedule must be interleaved or sequential (got '" + text + "')");
}

void validate(const ScheduleOptions& o) {
  if (o.rounds < 1) throw UsageError("--rounds must be at least 1");
  if (o.processes < 1 || o.processes > 1000) throw UsageError("--processes must be from 1 to 1000");
  if (o.processes > o.rounds) {
    throw UsageError("--processes " + std::to_string(o.processes) + " needs at least as many rounds (--rounds " +
                     std::to_string(o.rounds) + "): each process measures at least one round");
  }
  if (o.target_precision && !(*o.target_precision > 0 && *o.target_precision < 1)) {
    throw UsageError("--target-precision must be a percentage above 0 and below 100, e.g. 1%");
  }
}

std::int64_t default_rounds(std::int64_t processes) {
  const std::int64_t rounds = ScheduleOptions{}.rounds;
  return processes > 1 ? std::max(rounds, processes * kRoundsPerProcess) : rounds;
}

TimingOptions round_timing(const TimingOptions& total, std::int64_t rounds) {
  const auto ceil_div = [rounds](std::int64_t n) { return (n + rounds - 1) / rounds; };
  TimingOptions round = total;
  round.warmup_iters = 0;
  round.warmup_seconds = 0;
  round.min_iters = std::max<std::int64_t>(1, ceil_div(total.min_iters));
  round.max_iters = std::max<std::int64_t>(round.min_iters, ceil_div(total.max_iters));
  round.min_seconds = total.min_seconds / static_cast<double>(rounds);
  round.max_seconds = total.max_seconds / static_cast<double>(rounds);
  return round;
}

std::int64_t process_of_round(const ScheduleOptions& schedule, std::int64_t round) {
  if (round >= schedule.rounds) return schedule.processes - 1;
  return round * schedule.processes / schedule.rounds;
}

std::vector<std::size_t> round_order(std::vector<std::size_t> live, std::uint64_t seed, std::int64_t round) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(round), 0x726f756eU};
  std::mt19937_64 generator(sequence);
  // Fisher-Yates with an explicit uniform draw (std::shuffle's draws differ between
  // standard libraries; the order must be the same everywhere for a given seed).
  for (std::size_t i = live.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(generator() % i);
    std::swap(live[i - 1], live[j]);
  }
  return live;
}

bool measurement_complete(const TimingOptions& timing, const ScheduleOptions& schedule,
                          const MeasureProgress& progress) {
  if (progress.iters >= timing.max_iters || progress.seconds >= timing.max_seconds) return true;
  if (!schedule.target_precision) return progress.rounds >= schedule.rounds;
  const bool minimums = progress.iters >= timing.min_iters && progress.seconds >= timing.min_seconds;
  return minimums && progress.rounds >= 2 && progress.relative_half_width &&
         *progress.relative_half_width <= *schedule.target_precision;
}

}  // namespace tb
