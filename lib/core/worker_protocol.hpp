#pragma once
// What the parent sends a worker process (a job file) and what the worker sends back (a
// result file). Both are JSON so that a worker can be run by hand for debugging:
//   torchbench-cli __worker --job job.json --result result.json
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/input_spec.hpp"
#include "core/timing_options.hpp"
#include "core/variant_spec.hpp"
#include "util/accuracy.hpp"

namespace tb {

struct WorkerJob {
  std::string model;              // ModelRef::text()
  std::vector<InputSpec> inputs;  // explicit --input specs; empty: the model declares them
  VariantSpec variant;
  std::string device = "cpu";
  std::uint64_t seed = 0;
  TimingOptions timing;
  std::string reference_outputs;  // the baseline's saved outputs; "" for the baseline itself
  std::string outputs_path;       // where this worker saves its outputs
  // Test-only fault injection (see docs/architecture.md): "", "segfault", "abort", "throw".
  std::string fault;
  // --variant-memory-limit: the worker's RLIMIT_DATA, set before it loads the model.
  std::optional<std::int64_t> memory_limit_bytes;
};

// Where a worker failed, which decides the exit code: a baseline that fails to load or
// cannot run its inputs is a model/input error (3); anything else is a variant failure (4).
// `unsupported`: a pass cannot work with this LibTorch or machine; the variant is skipped.
// `out_of_memory`: an allocation failed at any stage; only this variant fails (a smaller
// batch may still fit), even for the baseline.
enum class FailureStage { none, load, inputs, passes, first_run, measure, accuracy, crash, unsupported, out_of_memory };

struct WorkerResult {
  FailureStage failure = FailureStage::none;
  std::string error;
  // The exit code this error means when it stops the whole run: 2 for a usage error (e.g.
  // bad built-in parameters), 3 for a model or input error.
  int error_exit_code = 3;

  std::vector<InputSpec> inputs;        // as run, after passes such as batch=N
  std::int64_t batch = 1;               // dim 0 of the first input with a shape
  std::string timer;                    // "steady_clock" or "device_event"
  std::vector<double> samples_ms;       // per-iteration latency (device time on a GPU), rounds in order
  std::vector<double> host_samples_ms;  // per-iteration host wall time (GPU runs only)
  std::vector<double> enqueue_samples_ms;  // per-iteration host time for the call to return (GPU runs only)
  // --include-transfers: per-iteration device time of the copies of the inputs to the device
  // and of the outputs back (samples_ms is then the compute between them), and their sizes.
  std::vector<double> h2d_samples_ms;
  std::vector<double> d2h_samples_ms;
  std::int64_t h2d_bytes = 0;
  std::int64_t d2h_bytes = 0;
  std::string timing_mode = "latency";     // TimingOptions::mode as this variant ran
  std::int64_t calls_per_sample = 1;       // model calls per sample (streams=N: N)
  std::vector<std::vector<double>> per_stream_samples_ms;  // streams=N: each stream's device time per call
  std::vector<std::int64_t> round_sizes;      // samples per measured round (they sum to samples_ms.size())
  std::vector<std::int64_t> round_positions;  // where in each round's order this variant ran (0 = first)
  std::vector<std::int64_t> round_processes;  // which of the variant's worker processes measured each round (0, 1, ...)
  double timer_overhead_ms = 0;               // median cost of one timer call around an empty body
  std::optional<std::int64_t> model_size_bytes;  // the module as run, serialized (TorchScript save)
  double load_ms = 0;                   // load or build the model
  double prepare_ms = 0;                // apply the variant's passes
  double cold_ms = 0;                   // the first forward call
  std::int64_t warmup_iters = 0;
  double warmup_ms = 0;
  int threads = 0;
  int interop_threads = 0;
  std::optional<AccuracyStats> accuracy;  // against the baseline's outputs
  std::string accuracy_note;              // why accuracy is missing or partial
  std::vector<std::string> pass_notes;    // what the passes did, one line each
  std::vector<std::vector<std::int64_t>> output_shapes;
  std::int64_t peak_rss_bytes = 0;
  std::optional<std::int64_t> device_peak_allocated_bytes;
  std::optional<std::int64_t> device_peak_reserved_bytes;
  nlohmann::json runtime = nlohmann::json::object();  // LibTorch version and build, device

  bool ok() const { return failure == FailureStage::none; }
};

const char* to_string(FailureStage stage);

// A live worker (`__worker --serve`) reads one command per line on stdin and answers on its
// reply descriptor: "ready" after loading, passes, first call and warm-up; "round" with the
// samples of each `measure`; "done" after `finish` has written the result file. On a failure
// it writes the result file and exits without answering.
struct RoundCommand {
  TimingOptions timing;          // stopping rules for this round only (warm-up fields unused)
  std::int64_t warmup_iters = 1;  // untimed calls first: caches are cold after the other variants ran
};

struct RoundReply {
  std::vector<double> samples_ms;
  std::vector<double> host_samples_ms;
  std::vector<double> enqueue_samples_ms;  // GPU runs only
  std::vector<double> h2d_samples_ms;      // --include-transfers only
  std::vector<double> d2h_samples_ms;
  double elapsed_seconds = 0;
};

nlohmann::json measure_command(const RoundCommand& command);
nlohmann::json finish_command(const std::string& reference_outputs);
void to_json(nlohmann::json& j, const RoundReply& reply);
void from_json(const nlohmann::json& j, RoundReply& reply);

void to_json(nlohmann::json& j, const InputSpec& spec);
void from_json(const nlohmann::json& j, InputSpec& spec);
void to_json(nlohmann::json& j, const PassSpec& pass);
void from_json(const nlohmann::json& j, PassSpec& pass);
void to_json(nlohmann::json& j, const TimingOptions& options);
void from_json(const nlohmann::json& j, TimingOptions& options);
void to_json(nlohmann::json& j, const AccuracyStats& stats);
void from_json(const nlohmann::json& j, AccuracyStats& stats);
void to_json(nlohmann::json& j, const WorkerJob& job);
void from_json(const nlohmann::json& j, WorkerJob& job);
void to_json(nlohmann::json& j, const WorkerResult& result);
void from_json(const nlohmann::json& j, WorkerResult& result);

}  // namespace tb
