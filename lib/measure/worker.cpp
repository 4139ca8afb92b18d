#include "measure/worker.hpp"

#include <ATen/Parallel.h>
#include <sys/prctl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <variant>

#include "core/device_timing.hpp"
#include "core/model_ref.hpp"
#include "core/timed_loop.hpp"
#include "measure/device.hpp"
#include "measure/runtime_info.hpp"
#include "measure/timers.hpp"
#include "measure/transfers.hpp"
#include "model/errors.hpp"
#include "model/inputs.hpp"
#include "model/model.hpp"
#include "model/outputs.hpp"
#include "passes/pass.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"
#include "util/line_pipe.hpp"
#include "util/markup.hpp"
#include "util/statistics.hpp"
#include "util/strings.hpp"
#include "util/subprocess.hpp"

namespace tb::measure {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string message_of(const std::exception& e) {
  // Our own errors are already one clear line; LibTorch's need trimming.
  if (dynamic_cast<const Error*>(&e)) return e.what();
  return model::first_line(e);
}

// Test-only switch (documented in docs/architecture.md): makes this worker fail the way a
// broken model or pass would, so the parent's handling of each failure is tested for real.
// Not derived from std::exception, so no handler in the worker catches it: it escapes to
// std::terminate like a real unhandled exception.
struct InjectedUncaughtException {};

void inject_fault(const std::string& fault) {
  if (fault.empty()) return;
  if (fault == "segfault") std::raise(SIGSEGV);
  if (fault == "abort") std::abort();
  if (fault == "throw") throw InjectedUncaughtException{};
  if (fault == "exit") std::_Exit(7);
  if (fault == "hang") {
    while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// --variant-memory-limit: caps what this process allocates (RLIMIT_DATA: malloc, LibTorch's
// CPU allocator, every private writable mapping). Not RLIMIT_AS: the address space also holds
// what threads, malloc arenas and a GPU driver reserve without using, which would fail runs
// that fit easily.
void limit_memory(std::int64_t bytes) {
  rlimit limit{};
  if (getrlimit(RLIMIT_DATA, &limit) != 0) throw std::system_error(errno, std::generic_category(), "getrlimit");
  limit.rlim_cur = static_cast<rlim_t>(bytes);
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_cur > limit.rlim_max) limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_DATA, &limit) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot set the memory limit (setrlimit)");
  }
}

// An allocation failed: std::bad_alloc from our code or the standard library, c10's
// OutOfMemoryError, or the CPU allocator's plain c10::Error ("DefaultCPUAllocator: can't
// allocate memory").
bool is_out_of_memory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) || dynamic_cast<const c10::OutOfMemoryError*>(&e)) return true;
  const std::string_view what = e.what();
  return what.find("can't allocate memory") != std::string_view::npos ||
         what.find("not enough memory") != std::string_view::npos;
}

// The median cost of timing an empty body with `timer`: what the harness adds to each sample.
template <class Timer>
double timer_overhead_ms(Timer& timer) {
  auto empty = [] {};
  std::vector<double> costs(201);
  for (auto& cost : costs) cost = timer.time(empty).host_ms;
  return summarize(costs).median;
}

// Whether the graph holds oneDNN weights (optimize_for_inference on a CPU makes constants
// prim::ConstantMKLDNNTensor, or prepacked contexts): they save without their data, so a
// saved size would understate.
bool has_opaque_weights(const torch::jit::Block* block) {
  for (const auto* node : block->nodes()) {
    const std::string_view kind = node->kind().toQualString();
    if (kind == "prim::ConstantMKLDNNTensor" || kind.starts_with("mkldnn_prepacked::")) return true;
    for (const auto* inner : node->blocks()) {
      if (has_opaque_weights(inner)) return true;
    }
  }
  return false;
}

// Serialized size of the module as it runs, or nullopt when it cannot be saved (a backend
// without TorchScript, a graph with ops that do not serialize) or the size would be wrong.
std::optional<std::int64_t> serialized_size(model::Model& model) {
  auto* module = model.torchscript();
  if (!module) return std::nullopt;
  try {
    if (has_opaque_weights(module->get_method("forward").graph()->block())) return std::nullopt;
    std::ostringstream buffer;
    module->save(buffer);
    return static_cast<std::int64_t>(buffer.tellp());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

// One variant in this process: prepare once, measure in rounds, finish once.
class VariantSession {
 public:
  explicit VariantSession(WorkerJob job) : job_(std::move(job)) {}
  // A runner refers to the model and the device: it goes first.
  ~VariantSession() {
    context_.runner.reset();
    context_.scopes.clear();
  }
  VariantSession(const VariantSession&) = delete;
  VariantSession& operator=(const VariantSession&) = delete;

  // Load, inputs, passes, first call, warm-up. False on failure (result() says why).
  bool prepare() {
    return guarded([&] {
      result_.failure = FailureStage::load;
      if (job_.memory_limit_bytes) limit_memory(*job_.memory_limit_bytes);
      const auto& passes = job_.variant.passes;
      result_.failure = FailureStage::passes;
      context_.device = with_index(c10::Device(job_.device));
      passes::apply_stage(passes::Stage::process, passes, context_);
      result_.threads = at::get_num_threads();
      result_.interop_threads = at::get_num_interop_threads();
      result_.runtime = libtorch_info();

      result_.failure = FailureStage::load;
      auto start = Clock::now();
      model_ = model::load_model(parse_model_ref(job_.model), job_.seed);
      model_->to(context_.device);
      result_.load_ms = ms_since(start);
      context_.model = model_.get();

      result_.failure = FailureStage::inputs;
      context_.inputs = job_.inputs.empty() ? model_->declared_inputs() : job_.inputs;
      check_input_count();
      result_.failure = FailureStage::passes;
      passes::apply_stage(passes::Stage::inputs, passes, context_);
      result_.inputs = context_.inputs;
      for (const auto& input : context_.inputs) {
        if (!input.shape.empty()) {
          result_.batch = input.shape[0];
          break;
        }
      }
      result_.failure = FailureStage::inputs;
      inputs_ = model::make_inputs(context_.inputs, job_.seed, context_.device);

      result_.failure = FailureStage::passes;
      start = Clock::now();
      context_.input_values = &inputs_;  // model passes may trace with them or convert them (bf16)
      passes::apply_stage(passes::Stage::model, passes, context_);
      passes::apply_stage(passes::Stage::execution, passes, context_);
      result_.prepare_ms = ms_since(start);
      result_.pass_notes = context_.notes;
      result_.inputs = context_.inputs;  // as run: model passes may have changed dtypes

      if (context_.device.is_cpu()) {
        timer_.emplace<SteadyClockTimer>();
        result_.timer = "steady_clock";
      } else {
        timer_.emplace<DeviceEventTimer>(context_.device);
        result_.timer = "device_event";
      }
      result_.timing_mode = std::string(to_string(job_.timing.mode));
      if (context_.runner) result_.calls_per_sample = context_.runner->calls_per_run();
      if (job_.timing.include_transfers) {
        // The host copies hold the inputs as the passes left them (bf16, channels-last). The
        // parent allows transfers on a device only; the CPU path serves the worker's tests.
        result_.failure = FailureStage::inputs;
        transfers_.emplace(inputs_, context_.device.is_cpu() ? HostMemory::pageable : HostMemory::pinned);
        result_.h2d_bytes = transfers_->h2d_bytes();
      }
      std::visit([&](auto& timer) { first_call_and_warmup(timer); }, timer_);
    });
  }

  // One measured round; the samples go into the reply and into result().
  std::optional<RoundReply> measure(const RoundCommand& command) {
    RoundReply reply;
    const bool ok = guarded([&] {
      result_.failure = FailureStage::measure;
      std::visit(
          [&](auto& timer) {
            with_body([&](auto& body) {
              for (std::int64_t i = 0; i < command.warmup_iters; ++i) timer.time(body);
              if (!fault_injected_) {
                fault_injected_ = true;
                inject_fault(job_.fault);
                // Peak device memory covers the measurement only: reset after warm-up, right
                // before the first timed loop (later rounds keep the same peak).
                if (!context_.device.is_cpu()) reset_peak_memory(context_.device);
              }
              auto loop = measure_loop(timer, body, command.timing);
              append(result_.enqueue_samples_ms, loop.enqueue_samples_ms);
              append(result_.h2d_samples_ms, loop.h2d_samples_ms);
              append(result_.d2h_samples_ms, loop.d2h_samples_ms);
              reply.enqueue_samples_ms = std::move(loop.enqueue_samples_ms);
              reply.h2d_samples_ms = std::move(loop.h2d_samples_ms);
              reply.d2h_samples_ms = std::move(loop.d2h_samples_ms);
              reply.samples_ms = std::move(loop.samples_ms);
              reply.host_samples_ms = std::move(loop.host_samples_ms);
              reply.elapsed_seconds = loop.elapsed_seconds;
            });
          },
          timer_);
      append(result_.samples_ms, reply.samples_ms);
      append(result_.host_samples_ms, reply.host_samples_ms);
      result_.round_sizes.push_back(static_cast<std::int64_t>(reply.samples_ms.size()));
      result_.failure = FailureStage::none;
    });
    if (!ok) return std::nullopt;
    return reply;
  }

  // Device memory, outputs (saved for the baseline, compared for the others), model size.
  void finish(const std::string& reference_outputs) {
    guarded([&] {
      if (!context_.device.is_cpu()) {
        if (const auto memory = peak_memory(context_.device)) {
          result_.device_peak_allocated_bytes = memory->peak_allocated_bytes;
          result_.device_peak_reserved_bytes = memory->peak_reserved_bytes;
        }
      }
      if (context_.runner) result_.per_stream_samples_ms = context_.runner->per_stream_ms();
      result_.failure = FailureStage::accuracy;
      const auto outputs = model::flatten_outputs(call());
      for (const auto& t : outputs) result_.output_shapes.emplace_back(t.sizes().begin(), t.sizes().end());
      if (!job_.outputs_path.empty()) model::save_outputs(outputs, job_.outputs_path);
      if (!reference_outputs.empty()) {
        const auto comparison = model::compare_outputs(outputs, model::load_outputs(reference_outputs));
        result_.accuracy = comparison.stats;
        result_.accuracy_note = comparison.note;
      }
      result_.model_size_bytes = serialized_size(*model_);
      result_.failure = FailureStage::none;
    });
  }

  // The result so far, with this process's peak memory.
  const WorkerResult& result() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    result_.peak_rss_bytes = static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
    return result_;
  }

 private:
  // One timed call: the model, or the runner an execution pass installed (cuda-graph, streams).
  c10::IValue call() { return context_.runner ? context_.runner->run(inputs_) : model_->run(inputs_); }

  // --include-transfers: one iteration in the three parts the timers time apart
  // (core/timed_loop.hpp, PhasedBody): inputs host -> device, the call, outputs device -> host.
  struct TransferBody {
    VariantSession& session;
    c10::IValue output;
    void copy_in() { session.transfers_->copy_in(session.inputs_); }
    void compute() { output = session.call(); }
    void copy_out() { session.transfers_->copy_out(output); }
    void operator()() {
      copy_in();
      compute();
      copy_out();
    }
  };

  // Calls `use` with the body of one timed iteration: with or without the copies.
  template <class Use>
  void with_body(Use&& use) {
    if (transfers_) {
      TransferBody body{*this, {}};
      use(body);
    } else {
      auto body = [this] { call(); };
      use(body);
    }
  }

  static void append(std::vector<double>& to, const std::vector<double>& from) {
    to.insert(to.end(), from.begin(), from.end());
  }

  void check_input_count() const {
    const auto required = model_->required_inputs();
    if (context_.inputs.empty()) {
      throw ModelError("'" + job_.model + "' does not declare its inputs: give one --input SPEC for each argument of " +
                       model_->signature() + ", e.g. --input 1x3x224x224:float32 or --input 1x128:int64[0,30522)");
    }
    if (context_.inputs.size() < required) {
      throw ModelError("the model's " + model_->signature() + " needs " + std::to_string(required) +
                       " inputs, got " + std::to_string(context_.inputs.size()) +
                       "; give one --input SPEC for each argument");
    }
  }

  // The timed loop of one round: latency mode times each call and waits for it; throughput
  // mode (device timers only) queues batches of calls and waits once per batch.
  template <class Timer, class Body>
  LoopResult measure_loop(Timer& timer, Body& body, const TimingOptions& timing) {
    if constexpr (std::is_same_v<Timer, DeviceEventTimer>) {
      if (timing.mode == TimingMode::throughput) {
        return run_measurement_batched(timer, body, timing, thresholds::kThroughputBatchIters);
      }
    }
    const auto kept = transfers_                  ? KeptSeries::transfers
                      : context_.device.is_cpu() ? KeptSeries::samples
                                                 : KeptSeries::host;
    return run_measurement(timer, body, timing, kept);
  }

  template <class Timer>
  void first_call_and_warmup(Timer& timer) {
    // The first call is timed on its own; its outputs are checked here so that a model whose
    // outputs cannot be compared fails at its first call, not after a whole measurement.
    result_.failure = FailureStage::first_run;
    c10::IValue first_output;
    if (transfers_) {
      TransferBody first{*this, {}};  // allocates the host output buffers
      result_.cold_ms = timer.time(first).ms;
      first_output = first.output;
      result_.d2h_bytes = transfers_->d2h_bytes();
    } else {
      auto first_call = [&] { first_output = call(); };
      result_.cold_ms = timer.time(first_call).ms;
    }
    model::flatten_outputs(first_output);

    result_.failure = FailureStage::measure;
    with_body([&](auto& body) {
      const auto warmup = run_warmup(timer, body, job_.timing);
      result_.warmup_iters = static_cast<std::int64_t>(warmup.samples_ms.size());
      result_.warmup_ms = warmup.elapsed_seconds * 1000.0;
    });
    result_.timer_overhead_ms = timer_overhead_ms(timer);
  }

  // Runs a step; an exception ends the variant with the stage the step had reached.
  template <class Step>
  bool guarded(Step step) {
    if (!result_.ok()) return false;
    try {
      step();
      result_.failure = FailureStage::none;
      return true;
    } catch (const passes::Unsupported& e) {
      result_.failure = FailureStage::unsupported;
      result_.error = e.what();
    } catch (const std::exception& e) {
      result_.error = printable(message_of(e));
      if (const auto* error = dynamic_cast<const Error*>(&e)) result_.error_exit_code = static_cast<int>(error->code());
      if (result_.failure == FailureStage::none) result_.failure = FailureStage::crash;
      if (is_out_of_memory(e)) {
        result_.error = out_of_memory_message(to_string(result_.failure), result_.error);
        result_.failure = FailureStage::out_of_memory;
      }
    }
    return false;
  }

  std::string out_of_memory_message(const char* stage, const std::string& error) const {
    if (!job_.memory_limit_bytes) {
      return std::string("the worker ran out of memory in ") + stage + ": " + error +
             "; lower the batch, or free memory for it";
    }
    return std::string("the worker ran out of memory in ") + stage + " (--variant-memory-limit " +
           format_byte_size(*job_.memory_limit_bytes) + "): " + error +
           "; raise --variant-memory-limit or lower the batch";
  }

  WorkerJob job_;
  WorkerResult result_;
  passes::VariantContext context_;
  std::unique_ptr<model::Model> model_;
  std::vector<c10::IValue> inputs_;
  std::variant<SteadyClockTimer, DeviceEventTimer> timer_;  // the device one from prepare() on a GPU
  std::optional<HostTransfers> transfers_;                   // --include-transfers
  bool fault_injected_ = false;
};

WorkerResult run_variant(const WorkerJob& job) {
  VariantSession session(job);
  if (session.prepare()) {
    RoundCommand all;
    all.timing = job.timing;
    all.warmup_iters = 0;
    if (session.measure(all)) session.finish(job.reference_outputs);
  }
  return session.result();
}

namespace {

int write_result(const std::filesystem::path& path, const WorkerResult& result) {
  // A model's error message may hold any bytes; JSON holds UTF-8 (the rest becomes U+FFFD).
  write_file_atomic(path, nlohmann::json(result).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return 0;
}

// `__worker --serve`: prepare, then obey commands until `finish` (see RoundCommand).
int serve(const WorkerJob& job, const std::filesystem::path& result_path) {
  VariantSession session(job);
  if (!session.prepare()) return write_result(result_path, session.result());
  const nlohmann::json ready = {{"reply", "ready"}, {"result", session.result()}};
  if (!write_line(kReplyFd, ready.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))) {
    return 0;  // the parent is gone
  }
  LineReader commands(STDIN_FILENO);
  std::string line;
  while (commands.read_line(line) == ReadStatus::line) {
    const auto command = nlohmann::json::parse(line);
    const auto name = command.at("command").get<std::string>();
    if (name == "measure") {
      RoundCommand round;
      command.at("timing").get_to(round.timing);
      command.at("warmup_iters").get_to(round.warmup_iters);
      const auto reply = session.measure(round);
      if (!reply) return write_result(result_path, session.result());
      write_line(kReplyFd, nlohmann::json(*reply).dump());
    } else if (name == "finish") {
      session.finish(command.at("reference_outputs").get<std::string>());
      write_result(result_path, session.result());
      write_line(kReplyFd, R"({"reply":"done"})");
      return 0;
    } else {
      throw std::runtime_error("unknown worker command '" + name + "'");
    }
  }
  return 0;  // stdin closed: the parent gave up on this variant
}

}  // namespace

int worker_main(const std::filesystem::path& job_path, const std::filesystem::path& result_path, bool serve_mode) {
  // A worker must not outlive the run that started it (a killed `run` would otherwise leave
  // it measuring, and disturbing the machine, for up to --max-time).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return static_cast<int>(ExitCode::usage);  // the parent is already gone
  WorkerJob job;
  try {
    job = nlohmann::json::parse(read_file(job_path)).get<WorkerJob>();
  } catch (const std::exception& e) {
    std::cerr << "torchbench-cli: error: invalid worker job '" << job_path.string() << "': " << e.what() << "\n";
    return static_cast<int>(ExitCode::usage);
  }
  if (serve_mode) return serve(job, result_path);
  return write_result(result_path, run_variant(job));
}

}  // namespace tb::measure
