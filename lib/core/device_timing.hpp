#pragma once
// Torch-free logic of device (GPU) timing: the timing mode, the named thresholds of the
// bottleneck hint and of the GPU stability warning, and the summaries of the three
// per-iteration series (device time, host time, host enqueue time). Unit-tested with fake
// samples; the worker only feeds it numbers.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tb {

// How the timed loop waits for the device (--timing).
//  latency:    synchronize after every iteration; each sample is one call on an idle device.
//  throughput: keep the queue full: record events per iteration, synchronize only at the end
//              of a batch of kThroughputBatchIters iterations, then read every iteration's
//              events; the samples are the device time between each iteration's events.
enum class TimingMode { latency, throughput };

std::string_view to_string(TimingMode mode);
// nullopt for an unknown name.
std::optional<TimingMode> parse_timing_mode(std::string_view text);

// The named thresholds, in one place (documented in docs/gpu.md).
namespace thresholds {
// Throughput mode: iterations queued before the host waits for the device.
inline constexpr int kThroughputBatchIters = 32;
// Enqueue-bound: the host takes at least this fraction of the device time just to queue
// one iteration, so the device would idle with a faster device or a slower host.
inline constexpr double kEnqueueBoundRatio = 0.80;
// Transfer-bound: a host<->device copy takes at least this multiple of the compute time.
inline constexpr double kTransferBoundRatio = 1.0;
// Unstable on a GPU: coefficient of variation of the device time above this.
inline constexpr double kGpuUnstableCv = 0.025;
}  // namespace thresholds

// Medians of the series of one variant, in milliseconds. h2d/d2h only with transfers.
struct DeviceTimeMedians {
  double device_ms = 0;   // compute on the device (events around the model call)
  double host_ms = 0;     // host wall time of the iteration
  double enqueue_ms = 0;  // host time for the call to return (work queued, not finished)
  std::optional<double> h2d_ms{};  // host-to-device copy, with --include-transfers
  std::optional<double> d2h_ms{};  // device-to-host copy, likewise
};

enum class Bottleneck { none, enqueue_bound, transfer_bound };
std::string_view to_string(Bottleneck hint);

// The hint for one variant: transfer-bound first (a copy >= kTransferBoundRatio x compute),
// then enqueue-bound (enqueue >= kEnqueueBoundRatio x device time), else none. A zero or
// negative device time gives none (nothing to compare against).
Bottleneck classify_bottleneck(const DeviceTimeMedians& medians);

// One line explaining the hint with its numbers and threshold, "" for none.
std::string bottleneck_message(Bottleneck hint, const DeviceTimeMedians& medians);

// The GPU stability warning: "" when the CV of device time is at most kGpuUnstableCv.
std::string gpu_stability_warning(double cv);

}  // namespace tb
