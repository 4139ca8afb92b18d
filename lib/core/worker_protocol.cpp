#include "core/worker_protocol.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <type_traits>

#include "util/errors.hpp"

namespace tb {
namespace {

constexpr std::array<const char*, 10> kStageNames = {"none",    "load",     "inputs", "passes",      "first_run",
                                                     "measure", "accuracy", "crash",  "unsupported", "out_of_memory"};

FailureStage stage_from_string(const std::string& text) {
  for (std::size_t i = 0; i < kStageNames.size(); ++i) {
    if (text == kStageNames[i]) return static_cast<FailureStage>(i);
  }
  return FailureStage::crash;
}

// JSON has no NaN or infinity; keep them as null and read null back as NaN.
nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

double number_or_nan(const nlohmann::json& j, const char* key) {
  const auto& v = j.at(key);
  return v.is_null() ? std::nan("") : v.get<double>();
}

// Integers are read exactly: a JSON float, or an integer outside the field's range, is an
// error (nlohmann's own conversion of 1e300 to an int64 is undefined behaviour).
template <class Int>
void get_int(const nlohmann::json& value, Int& out) {
  bool fits = false;
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    fits = v <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max());
    if (fits) out = static_cast<Int>(v);
  } else if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    fits = std::is_signed_v<Int> ? v >= static_cast<std::int64_t>(std::numeric_limits<Int>::min()) &&
                                       static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max())
                                 : v >= 0;
    if (fits) out = static_cast<Int>(v);
  }
  if (!fits) throw UsageError("worker message: " + value.dump() + " is not an integer of the expected range");
}

template <class Int>
void get_ints(const nlohmann::json& value, std::vector<Int>& out) {
  if (!value.is_array()) throw UsageError("worker message: expected an array of integers");
  out.assign(value.size(), 0);
  for (std::size_t i = 0; i < value.size(); ++i) get_int(value[i], out[i]);
}

template <class Int>
std::optional<Int> optional_int(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  Int out{};
  get_int(value, out);
  return out;
}

}  // namespace

const char* to_string(FailureStage stage) { return kStageNames[static_cast<std::size_t>(stage)]; }

void to_json(nlohmann::json& j, const InputSpec& spec) { j = to_string(spec); }
void from_json(const nlohmann::json& j, InputSpec& spec) { spec = parse_input_spec(j.get<std::string>()); }

void to_json(nlohmann::json& j, const PassSpec& pass) { j = to_string(pass); }
void from_json(const nlohmann::json& j, PassSpec& pass) {
  const auto text = j.get<std::string>();
  const auto passes = parse_pass_list(text);
  if (passes.size() != 1) throw UsageError("expected one pass, got '" + text + "'");
  pass = passes[0];
}

void to_json(nlohmann::json& j, const TimingOptions& o) {
  j = {{"warmup_iters", o.warmup_iters}, {"warmup_seconds", o.warmup_seconds},
       {"min_iters", o.min_iters},       {"min_seconds", o.min_seconds},
       {"max_seconds", o.max_seconds},   {"max_iters", o.max_iters},
       {"mode", std::string(to_string(o.mode))},
       {"include_transfers", o.include_transfers}};
}
void from_json(const nlohmann::json& j, TimingOptions& o) {
  get_int(j.at("warmup_iters"), o.warmup_iters);
  j.at("warmup_seconds").get_to(o.warmup_seconds);
  get_int(j.at("min_iters"), o.min_iters);
  j.at("min_seconds").get_to(o.min_seconds);
  j.at("max_seconds").get_to(o.max_seconds);
  get_int(j.at("max_iters"), o.max_iters);
  // Added in schema 1.x: older reports have no mode and ran in latency mode.
  if (const auto it = j.find("mode"); it != j.end()) {
    const auto mode = parse_timing_mode(it->get<std::string>());
    if (!mode) throw UsageError("unknown timing mode '" + it->get<std::string>() + "'");
    o.mode = *mode;
  }
  // Added with --include-transfers: older reports and jobs had none.
  o.include_transfers = j.value("include_transfers", false);
}

void to_json(nlohmann::json& j, const AccuracyStats& s) {
  j = {{"max_abs_err", number_or_null(s.max_abs_err)},
       {"max_rel_err", number_or_null(s.max_rel_err)},
       {"cosine", number_or_null(s.cosine)},
       {"values_compared", s.count},
       {"non_finite", s.non_finite}};
}
void from_json(const nlohmann::json& j, AccuracyStats& s) {
  s.max_abs_err = number_or_nan(j, "max_abs_err");
  s.max_rel_err = number_or_nan(j, "max_rel_err");
  s.cosine = number_or_nan(j, "cosine");
  get_int(j.at("values_compared"), s.count);
  j.at("non_finite").get_to(s.non_finite);
}

void to_json(nlohmann::json& j, const WorkerJob& job) {
  j = {{"model", job.model},
       {"inputs", job.inputs},
       {"variant", job.variant.name},
       {"passes", job.variant.passes},
       {"device", job.device},
       {"seed", job.seed},
       {"timing", job.timing},
       {"reference_outputs", job.reference_outputs},
       {"outputs_path", job.outputs_path},
       {"fault", job.fault},
       {"memory_limit_bytes", job.memory_limit_bytes ? nlohmann::json(*job.memory_limit_bytes) : nlohmann::json(nullptr)}};
}
void from_json(const nlohmann::json& j, WorkerJob& job) {
  j.at("model").get_to(job.model);
  j.at("inputs").get_to(job.inputs);
  j.at("variant").get_to(job.variant.name);
  j.at("passes").get_to(job.variant.passes);
  j.at("device").get_to(job.device);
  get_int(j.at("seed"), job.seed);
  j.at("timing").get_to(job.timing);
  j.at("reference_outputs").get_to(job.reference_outputs);
  j.at("outputs_path").get_to(job.outputs_path);
  job.fault = j.value("fault", "");
  if (const auto limit = j.find("memory_limit_bytes"); limit != j.end() && !limit->is_null()) {
    job.memory_limit_bytes = optional_int<std::int64_t>(*limit);
  }
}

void to_json(nlohmann::json& j, const WorkerResult& r) {
  j = {{"failure", to_string(r.failure)},
       {"error", r.error},
       {"error_exit_code", r.error_exit_code},
       {"inputs", r.inputs},
       {"batch", r.batch},
       {"timer", r.timer},
       {"samples_ms", r.samples_ms},
       {"host_samples_ms", r.host_samples_ms},
       {"enqueue_samples_ms", r.enqueue_samples_ms},
       {"h2d_samples_ms", r.h2d_samples_ms},
       {"d2h_samples_ms", r.d2h_samples_ms},
       {"h2d_bytes", r.h2d_bytes},
       {"d2h_bytes", r.d2h_bytes},
       {"timing_mode", r.timing_mode},
       {"calls_per_sample", r.calls_per_sample},
       {"per_stream_samples_ms", r.per_stream_samples_ms},
       {"round_sizes", r.round_sizes},
       {"round_positions", r.round_positions},
       {"round_processes", r.round_processes},
       {"timer_overhead_ms", r.timer_overhead_ms},
       {"model_size_bytes", r.model_size_bytes ? nlohmann::json(*r.model_size_bytes) : nlohmann::json(nullptr)},
       {"load_ms", r.load_ms},
       {"prepare_ms", r.prepare_ms},
       {"cold_ms", r.cold_ms},
       {"warmup_iters", r.warmup_iters},
       {"warmup_ms", r.warmup_ms},
       {"threads", r.threads},
       {"interop_threads", r.interop_threads},
       {"accuracy", r.accuracy ? nlohmann::json(*r.accuracy) : nlohmann::json(nullptr)},
       {"accuracy_note", r.accuracy_note},
       {"pass_notes", r.pass_notes},
       {"output_shapes", r.output_shapes},
       {"peak_rss_bytes", r.peak_rss_bytes},
       {"device_peak_allocated_bytes", r.device_peak_allocated_bytes ? nlohmann::json(*r.device_peak_allocated_bytes) : nlohmann::json(nullptr)},
       {"device_peak_reserved_bytes", r.device_peak_reserved_bytes ? nlohmann::json(*r.device_peak_reserved_bytes) : nlohmann::json(nullptr)},
       {"runtime", r.runtime}};
}
void from_json(const nlohmann::json& j, WorkerResult& r) {
  r.failure = stage_from_string(j.at("failure").get<std::string>());
  j.at("error").get_to(r.error);
  get_int(j.at("error_exit_code"), r.error_exit_code);
  j.at("inputs").get_to(r.inputs);
  get_int(j.at("batch"), r.batch);
  j.at("timer").get_to(r.timer);
  j.at("samples_ms").get_to(r.samples_ms);
  j.at("host_samples_ms").get_to(r.host_samples_ms);
  if (j.contains("enqueue_samples_ms")) j.at("enqueue_samples_ms").get_to(r.enqueue_samples_ms);
  if (j.contains("h2d_samples_ms")) j.at("h2d_samples_ms").get_to(r.h2d_samples_ms);
  if (j.contains("d2h_samples_ms")) j.at("d2h_samples_ms").get_to(r.d2h_samples_ms);
  if (j.contains("h2d_bytes")) get_int(j.at("h2d_bytes"), r.h2d_bytes);
  if (j.contains("d2h_bytes")) get_int(j.at("d2h_bytes"), r.d2h_bytes);
  if (j.contains("timing_mode")) j.at("timing_mode").get_to(r.timing_mode);
  if (j.contains("calls_per_sample")) get_int(j.at("calls_per_sample"), r.calls_per_sample);
  if (j.contains("per_stream_samples_ms")) j.at("per_stream_samples_ms").get_to(r.per_stream_samples_ms);
  get_ints(j.at("round_sizes"), r.round_sizes);
  get_ints(j.at("round_positions"), r.round_positions);
  get_ints(j.at("round_processes"), r.round_processes);
  j.at("timer_overhead_ms").get_to(r.timer_overhead_ms);
  r.model_size_bytes = optional_int<std::int64_t>(j.at("model_size_bytes"));
  j.at("load_ms").get_to(r.load_ms);
  j.at("prepare_ms").get_to(r.prepare_ms);
  j.at("cold_ms").get_to(r.cold_ms);
  get_int(j.at("warmup_iters"), r.warmup_iters);
  j.at("warmup_ms").get_to(r.warmup_ms);
  get_int(j.at("threads"), r.threads);
  get_int(j.at("interop_threads"), r.interop_threads);
  if (!j.at("accuracy").is_null()) r.accuracy = j.at("accuracy").get<AccuracyStats>();
  j.at("accuracy_note").get_to(r.accuracy_note);
  j.at("pass_notes").get_to(r.pass_notes);
  r.output_shapes.clear();
  if (!j.at("output_shapes").is_array()) throw UsageError("worker message: output_shapes must be an array");
  for (const auto& shape : j.at("output_shapes")) get_ints(shape, r.output_shapes.emplace_back());
  get_int(j.at("peak_rss_bytes"), r.peak_rss_bytes);
  r.device_peak_allocated_bytes = optional_int<std::int64_t>(j.at("device_peak_allocated_bytes"));
  r.device_peak_reserved_bytes = optional_int<std::int64_t>(j.at("device_peak_reserved_bytes"));
  r.runtime = j.at("runtime");
}

nlohmann::json measure_command(const RoundCommand& command) {
  return {{"command", "measure"}, {"timing", command.timing}, {"warmup_iters", command.warmup_iters}};
}

nlohmann::json finish_command(const std::string& reference_outputs) {
  return {{"command", "finish"}, {"reference_outputs", reference_outputs}};
}

void to_json(nlohmann::json& j, const RoundReply& reply) {
  j = {{"reply", "round"},
       {"samples_ms", reply.samples_ms},
       {"host_samples_ms", reply.host_samples_ms},
       {"enqueue_samples_ms", reply.enqueue_samples_ms},
       {"h2d_samples_ms", reply.h2d_samples_ms},
       {"d2h_samples_ms", reply.d2h_samples_ms},
       {"elapsed_seconds", reply.elapsed_seconds}};
}

void from_json(const nlohmann::json& j, RoundReply& reply) {
  j.at("samples_ms").get_to(reply.samples_ms);
  j.at("host_samples_ms").get_to(reply.host_samples_ms);
  j.at("enqueue_samples_ms").get_to(reply.enqueue_samples_ms);
  j.at("h2d_samples_ms").get_to(reply.h2d_samples_ms);
  j.at("d2h_samples_ms").get_to(reply.d2h_samples_ms);
  j.at("elapsed_seconds").get_to(reply.elapsed_seconds);
}

}  // namespace tb
