#include "core/timing_options.hpp"

#include <cmath>
#include <string>

#include "util/errors.hpp"

namespace tb {

void validate(const TimingOptions& o) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw UsageError(message);
  };
  require(o.warmup_iters >= 0, "--warmup-iters must be 0 or more");
  require(std::isfinite(o.warmup_seconds) && o.warmup_seconds >= 0, "--warmup-time must be 0 or more");
  require(o.min_iters >= 1, "--min-iters must be at least 1");
  require(std::isfinite(o.min_seconds) && o.min_seconds >= 0, "--min-time must be 0 or more");
  require(std::isfinite(o.max_seconds) && o.max_seconds > 0, "--max-time must be more than 0");
  require(o.max_iters >= 1, "--max-iters must be at least 1");
  require(o.min_iters <= o.max_iters, "--min-iters (" + std::to_string(o.min_iters) +
                                          ") is above --max-iters (" + std::to_string(o.max_iters) + ")");
  require(o.min_seconds <= o.max_seconds, "--min-time is above --max-time");
}

void validate_for_device(const TimingOptions& o, std::string_view device) {
  if (!device.starts_with("cpu")) return;
  if (o.mode == TimingMode::throughput) {
    throw UsageError("--timing throughput needs a device that queues work (--device cuda); every CPU "
                     "call is synchronous, so the CPU is always timed in latency mode");
  }
  if (o.include_transfers) {
    throw UsageError("--include-transfers needs a GPU (--device cuda): on the CPU the inputs and outputs "
                     "already are in host memory, there is nothing to copy");
  }
}

bool warmup_done(const TimingOptions& o, std::int64_t iters, double elapsed_seconds) {
  // A very slow model must not warm up forever: --max-time bounds warm-up as well.
  if (elapsed_seconds >= o.max_seconds) return true;
  return iters >= o.warmup_iters && elapsed_seconds >= o.warmup_seconds;
}

bool measurement_done(const TimingOptions& o, std::int64_t iters, double elapsed_seconds) {
  if (iters >= o.max_iters || elapsed_seconds >= o.max_seconds) return true;
  return iters >= o.min_iters && elapsed_seconds >= o.min_seconds;
}

}  // namespace tb
