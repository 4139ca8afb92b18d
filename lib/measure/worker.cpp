#include "measure/worker.hpp"

#include <ATen/Parallel.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "core/model_ref.hpp"
#include "core/timed_loop.hpp"
#include "measure/device.hpp"
#include "measure/runtime_info.hpp"
#include "measure/timers.hpp"
#include "model/errors.hpp"
#include "model/inputs.hpp"
#include "model/model.hpp"
#include "model/outputs.hpp"
#include "passes/pass.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"

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

template <class Timer>
void measure_with(Timer& timer, model::Model& model, const std::vector<c10::IValue>& inputs,
                  const WorkerJob& job, WorkerResult& result) {
  auto body = [&] { model.run(inputs); };

  // The first call is timed on its own; its outputs are checked here so that a model whose
  // outputs cannot be compared fails at its first call, not after a whole measurement.
  result.failure = FailureStage::first_run;
  c10::IValue first_output;
  auto first_call = [&] { first_output = model.run(inputs); };
  result.cold_ms = timer.time(first_call).ms;
  model::flatten_outputs(first_output);

  result.failure = FailureStage::measure;
  const auto warmup = run_warmup(timer, body, job.timing);
  result.warmup_iters = static_cast<std::int64_t>(warmup.samples_ms.size());
  result.warmup_ms = warmup.elapsed_seconds * 1000.0;

  inject_fault(job.fault);

  const bool on_device = !std::is_same_v<Timer, SteadyClockTimer>;
  auto measured = run_measurement(timer, body, job.timing, on_device);
  result.samples_ms = std::move(measured.samples_ms);
  result.host_samples_ms = std::move(measured.host_samples_ms);
  result.failure = FailureStage::none;
}

}  // namespace

WorkerResult run_variant(const WorkerJob& job) {
  WorkerResult result;
  passes::VariantContext context;
  const auto& passes = job.variant.passes;
  // Each step sets the stage it is in, so that an exception is attributed to it.
  try {
    result.failure = FailureStage::passes;
    context.device = with_index(c10::Device(job.device));
    passes::apply_stage(passes::Stage::process, passes, context);
    result.threads = at::get_num_threads();
    result.interop_threads = at::get_num_interop_threads();
    result.runtime = libtorch_info();

    result.failure = FailureStage::load;
    auto start = Clock::now();
    auto model = model::load_model(parse_model_ref(job.model), job.seed);
    model->to(context.device);
    result.load_ms = ms_since(start);
    context.model = model.get();

    result.failure = FailureStage::inputs;
    context.inputs = job.inputs.empty() ? model->declared_inputs() : job.inputs;
    const auto required = model->required_inputs();
    if (context.inputs.empty()) {
      throw ModelError("'" + job.model + "' does not declare its inputs: give one --input SPEC for each argument of " +
                       model->signature() + ", e.g. --input 1x3x224x224:float32 or --input 1x128:int64[0,30522)");
    }
    if (context.inputs.size() < required) {
      throw ModelError("the model's " + model->signature() + " needs " + std::to_string(required) +
                       " inputs, got " + std::to_string(context.inputs.size()) +
                       "; give one --input SPEC for each argument");
    }
    result.failure = FailureStage::passes;
    passes::apply_stage(passes::Stage::inputs, passes, context);
    result.inputs = context.inputs;
    for (const auto& input : context.inputs) {
      if (!input.shape.empty()) {
        result.batch = input.shape[0];
        break;
      }
    }
    result.failure = FailureStage::inputs;
    auto inputs = model::make_inputs(context.inputs, job.seed, context.device);

    result.failure = FailureStage::passes;
    start = Clock::now();
    context.input_values = &inputs;  // model passes may trace with them or convert them (bf16)
    passes::apply_stage(passes::Stage::model, passes, context);
    passes::apply_stage(passes::Stage::execution, passes, context);
    result.prepare_ms = ms_since(start);
    result.inputs = context.inputs;  // as run: model passes may have changed dtypes

    const bool on_device = !context.device.is_cpu();
    if (on_device) {
      result.timer = "device_event";
      reset_peak_memory(context.device);
      DeviceEventTimer timer(context.device);
      measure_with(timer, *model, inputs, job, result);
      if (const auto memory = peak_memory(context.device)) {
        result.device_peak_allocated_bytes = memory->peak_allocated_bytes;
        result.device_peak_reserved_bytes = memory->peak_reserved_bytes;
      }
    } else {
      result.timer = "steady_clock";
      SteadyClockTimer timer;
      measure_with(timer, *model, inputs, job, result);
    }

    result.failure = FailureStage::accuracy;
    const auto outputs = model::flatten_outputs(model->run(inputs));
    for (const auto& t : outputs) result.output_shapes.emplace_back(t.sizes().begin(), t.sizes().end());
    if (!job.outputs_path.empty()) model::save_outputs(outputs, job.outputs_path);
    if (!job.reference_outputs.empty()) {
      const auto comparison = model::compare_outputs(outputs, model::load_outputs(job.reference_outputs));
      result.accuracy = comparison.stats;
      result.accuracy_note = comparison.note;
    }
    result.failure = FailureStage::none;
  } catch (const passes::Unsupported& e) {
    result.failure = FailureStage::unsupported;
    result.error = e.what();
  } catch (const std::exception& e) {
    result.error = message_of(e);
    if (const auto* error = dynamic_cast<const Error*>(&e)) result.error_exit_code = static_cast<int>(error->code());
    if (result.failure == FailureStage::none) result.failure = FailureStage::crash;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  result.peak_rss_bytes = static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
  return result;
}

int worker_main(const std::filesystem::path& job_path, const std::filesystem::path& result_path) {
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
  const auto result = run_variant(job);
  write_file_atomic(result_path, nlohmann::json(result).dump());
  return 0;
}

}  // namespace tb::measure
