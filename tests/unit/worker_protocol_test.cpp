// The JSON job and result files exchanged with a worker process: every field survives a
// round trip through text, including optional ones and non-finite accuracy values.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "core/worker_protocol.hpp"
#include "util/errors.hpp"

using tb::FailureStage;
using tb::WorkerJob;
using tb::WorkerResult;

namespace {

template <class T>
T round_trip(const T& value) {
  const std::string text = nlohmann::json(value).dump();
  return nlohmann::json::parse(text).get<T>();
}

WorkerJob full_job() {
  WorkerJob job;
  job.model = "builtin:transformer:layers=2";
  job.inputs = {tb::parse_input_spec("8x128:int64[0,30522)"), tb::parse_input_spec("1x3:float32[-1,1]"),
                tb::parse_input_spec("scalar:bool")};
  job.variant = tb::parse_variant("fast=freeze,optimize,threads=2");
  job.device = "cuda:1";
  job.seed = 18446744073709551557ULL;  // above INT64_MAX
  job.timing.warmup_iters = 3;
  job.timing.warmup_seconds = 0.25;
  job.timing.min_iters = 7;
  job.timing.min_seconds = 0.5;
  job.timing.max_seconds = 12.5;
  job.timing.max_iters = 999;
  job.reference_outputs = "/tmp/run/baseline.outputs";
  job.outputs_path = "/tmp/run/fast.outputs";
  job.fault = "segfault";
  job.memory_limit_bytes = 2147483648LL;  // 2 GiB
  return job;
}

WorkerResult full_result() {
  WorkerResult r;
  r.failure = FailureStage::none;
  r.error = "";
  r.error_exit_code = 2;
  r.inputs = {tb::parse_input_spec("4x16:float32")};
  r.batch = 4;
  r.timer = "device_event";
  r.samples_ms = {1.25, 1.5, 1.125};
  r.host_samples_ms = {1.3, 1.55, 1.2};
  r.load_ms = 12.5;
  r.prepare_ms = 3.25;
  r.cold_ms = 40.0;
  r.warmup_iters = 5;
  r.warmup_ms = 6.5;
  r.threads = 8;
  r.interop_threads = 2;
  tb::AccuracyStats acc;
  acc.count = 1234;
  acc.max_abs_err = 1e-6;
  acc.max_rel_err = 2e-5;
  acc.cosine = 0.999999;
  r.accuracy = acc;
  r.accuracy_note = "batch sizes differ: compared the rows both runs share";
  r.pass_notes = {"int8-dynamic: 12 Linear layers to int8 per-tensor (engine x86)", "second"};
  r.output_shapes = {{4, 10}, {}, {4, 3, 2}};
  r.peak_rss_bytes = 123456789;
  r.device_peak_allocated_bytes = 1LL << 33;
  r.device_peak_reserved_bytes = (1LL << 34) + 7;
  r.runtime = {{"libtorch", "2.13.0"}, {"device", "cuda:0"}};
  return r;
}

// Field-wise (InputSpec's defaulted operator== is deleted: ValueRange has no operator==).
bool same(const std::vector<tb::InputSpec>& a, const std::vector<tb::InputSpec>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (tb::to_string(a[i]) != tb::to_string(b[i])) return false;
    if (a[i].shape != b[i].shape || a[i].dtype != b[i].dtype || a[i].range.has_value() != b[i].range.has_value()) {
      return false;
    }
    if (a[i].range && (a[i].range->low != b[i].range->low || a[i].range->high != b[i].range->high ||
                       a[i].range->high_inclusive != b[i].range->high_inclusive)) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("WorkerJob round trip keeps every field", "[worker_protocol]") {
  const auto job = full_job();
  const auto back = round_trip(job);
  CHECK(back.model == job.model);
  CHECK(same(back.inputs, job.inputs));
  CHECK(back.variant == job.variant);
  CHECK(back.device == job.device);
  CHECK(back.seed == job.seed);
  CHECK(back.timing.warmup_iters == 3);
  CHECK(back.timing.warmup_seconds == 0.25);
  CHECK(back.timing.min_iters == 7);
  CHECK(back.timing.min_seconds == 0.5);
  CHECK(back.timing.max_seconds == 12.5);
  CHECK(back.timing.max_iters == 999);
  CHECK(back.reference_outputs == job.reference_outputs);
  CHECK(back.outputs_path == job.outputs_path);
  CHECK(back.fault == "segfault");
  CHECK(back.memory_limit_bytes == job.memory_limit_bytes);
}

TEST_CASE("WorkerJob JSON layout", "[worker_protocol]") {
  const nlohmann::json j = full_job();
  CHECK(j.at("variant") == "fast");
  CHECK(j.at("passes") == nlohmann::json::array({"freeze", "optimize", "threads=2"}));
  CHECK(j.at("inputs") == nlohmann::json::array({"8x128:int64[0,30522)", "1x3:float32[-1,1]", "scalar:bool"}));
  SECTION("fault is optional and defaults to none") {
    auto without = j;
    without.erase("fault");
    CHECK(without.get<WorkerJob>().fault.empty());
  }
  SECTION("a variant without passes") {
    auto job = full_job();
    job.variant = tb::parse_variant("plain=");
    const auto back = round_trip(job);
    CHECK(back.variant.name == "plain");
    CHECK(back.variant.passes.empty());
  }
  SECTION("the memory limit is optional and null when unset") {
    CHECK(j.at("memory_limit_bytes") == 2147483648LL);
    auto without = j;
    without.erase("memory_limit_bytes");
    CHECK_FALSE(without.get<WorkerJob>().memory_limit_bytes.has_value());
    without["memory_limit_bytes"] = nullptr;
    CHECK_FALSE(without.get<WorkerJob>().memory_limit_bytes.has_value());
  }
  SECTION("each entry of passes is exactly one pass (found by fuzz/fuzz_worker_protocol)") {
    for (const char* bad : {"", " ", "a,b"}) {
      INFO(bad);
      auto job = j;
      job["passes"] = nlohmann::json::array({bad});
      CHECK_THROWS_AS(job.get<WorkerJob>(), tb::UsageError);
    }
  }
  SECTION("a bad input spec in a job is a UsageError") {
    auto bad = j;
    bad["inputs"] = nlohmann::json::array({"0x3"});
    CHECK_THROWS_AS(bad.get<WorkerJob>(), tb::UsageError);
  }
}

TEST_CASE("WorkerResult round trip keeps every field", "[worker_protocol]") {
  const auto r = full_result();
  const auto back = round_trip(r);
  CHECK(back.ok());
  CHECK(back.failure == FailureStage::none);
  CHECK(back.error.empty());
  CHECK(back.error_exit_code == 2);
  CHECK(same(back.inputs, r.inputs));
  CHECK(back.batch == 4);
  CHECK(back.timer == "device_event");
  CHECK(back.samples_ms == r.samples_ms);
  CHECK(back.host_samples_ms == r.host_samples_ms);
  CHECK(back.load_ms == 12.5);
  CHECK(back.prepare_ms == 3.25);
  CHECK(back.cold_ms == 40.0);
  CHECK(back.warmup_iters == 5);
  CHECK(back.warmup_ms == 6.5);
  CHECK(back.threads == 8);
  CHECK(back.interop_threads == 2);
  REQUIRE(back.accuracy.has_value());
  CHECK(back.accuracy->count == 1234);
  CHECK(back.accuracy->max_abs_err == 1e-6);
  CHECK(back.accuracy->max_rel_err == 2e-5);
  CHECK(back.accuracy->cosine == 0.999999);
  CHECK_FALSE(back.accuracy->non_finite);
  CHECK(back.accuracy_note == r.accuracy_note);
  CHECK(back.pass_notes == r.pass_notes);
  CHECK(back.output_shapes == r.output_shapes);
  CHECK(back.peak_rss_bytes == 123456789);
  CHECK(back.device_peak_allocated_bytes == r.device_peak_allocated_bytes);
  CHECK(back.device_peak_reserved_bytes == r.device_peak_reserved_bytes);
  CHECK(back.runtime == r.runtime);
}

TEST_CASE("WorkerResult optional fields absent", "[worker_protocol]") {
  WorkerResult r;
  r.failure = FailureStage::load;
  r.error = "model file 'x.pt' does not exist";
  const nlohmann::json j = r;
  CHECK(j.at("accuracy").is_null());
  CHECK(j.at("device_peak_allocated_bytes").is_null());
  CHECK(j.at("device_peak_reserved_bytes").is_null());
  CHECK(j.at("failure") == "load");
  const auto back = round_trip(r);
  CHECK_FALSE(back.ok());
  CHECK(back.failure == FailureStage::load);
  CHECK(back.error == r.error);
  CHECK(back.error_exit_code == 3);  // the default: a model or input error
  CHECK_FALSE(back.accuracy.has_value());
  CHECK_FALSE(back.device_peak_allocated_bytes.has_value());
  CHECK_FALSE(back.device_peak_reserved_bytes.has_value());
  CHECK(back.samples_ms.empty());
  CHECK(back.batch == 1);
}

TEST_CASE("non-finite accuracy becomes null in JSON and NaN when read back", "[worker_protocol]") {
  auto r = full_result();
  r.accuracy->non_finite = true;
  r.accuracy->max_abs_err = std::numeric_limits<double>::infinity();
  r.accuracy->max_rel_err = std::numeric_limits<double>::infinity();
  r.accuracy->cosine = std::numeric_limits<double>::quiet_NaN();
  const nlohmann::json j = r;
  CHECK(j.at("accuracy").at("max_abs_err").is_null());
  CHECK(j.at("accuracy").at("max_rel_err").is_null());
  CHECK(j.at("accuracy").at("cosine").is_null());
  CHECK(j.at("accuracy").at("non_finite") == true);
  CHECK(j.at("accuracy").at("values_compared") == 1234);
  const auto back = round_trip(r);
  REQUIRE(back.accuracy.has_value());
  CHECK(back.accuracy->non_finite);
  CHECK(std::isnan(back.accuracy->max_abs_err));
  CHECK(std::isnan(back.accuracy->max_rel_err));
  CHECK(std::isnan(back.accuracy->cosine));
  CHECK(back.accuracy->count == 1234);
}

TEST_CASE("failure stages round trip by name", "[worker_protocol]") {
  const std::vector<std::pair<FailureStage, std::string>> stages = {
      {FailureStage::none, "none"},         {FailureStage::load, "load"},
      {FailureStage::inputs, "inputs"},     {FailureStage::passes, "passes"},
      {FailureStage::first_run, "first_run"}, {FailureStage::measure, "measure"},
      {FailureStage::accuracy, "accuracy"}, {FailureStage::crash, "crash"},
      {FailureStage::unsupported, "unsupported"}, {FailureStage::out_of_memory, "out_of_memory"}};
  for (const auto& [stage, name] : stages) {
    INFO(name);
    CHECK(std::string(tb::to_string(stage)) == name);
    WorkerResult r;
    r.failure = stage;
    CHECK(round_trip(r).failure == stage);
  }
  SECTION("an unknown stage name reads as crash") {
    nlohmann::json j = WorkerResult{};
    j["failure"] = "exploded";
    CHECK(j.get<WorkerResult>().failure == FailureStage::crash);
  }
}

TEST_CASE("integers are read exactly: floats and out-of-range values are rejected", "[worker_protocol]") {
  // Found by fuzz_worker_protocol: 1.5e116 where an int64 belongs was undefined behaviour.
  const nlohmann::json good = full_result();
  for (const auto& [field, bad] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"batch", 1.55556e116}, {"batch", 2.5}, {"threads", 1LL << 40}, {"peak_rss_bytes", "7"},
           {"round_sizes", nlohmann::json::array({1, 2.0})}, {"model_size_bytes", -1e300},
           {"output_shapes", nlohmann::json::array({nlohmann::json::array({1, 1e30})})},
           {"error_exit_code", std::numeric_limits<std::uint64_t>::max()}}) {
    auto j = good;
    j[field] = bad;
    INFO(field << " = " << bad.dump());
    CHECK_THROWS(j.get<WorkerResult>());
  }
  auto job = nlohmann::json(WorkerJob{});
  job["seed"] = -1;
  CHECK_THROWS_AS(job.get<WorkerJob>(), tb::UsageError);
  job["seed"] = 18446744073709551615ULL;
  CHECK(job.get<WorkerJob>().seed == 18446744073709551615ULL);
  CHECK(good.get<WorkerResult>().batch == full_result().batch);
}

TEST_CASE("the transfer series and sizes travel in results and round replies", "[worker_protocol]") {
  auto r = full_result();
  r.h2d_samples_ms = {0.5, 0.75};
  r.d2h_samples_ms = {0.125, 0.25};
  r.h2d_bytes = 1 << 20;
  r.d2h_bytes = 4000;
  const auto back = round_trip(r);
  CHECK(back.h2d_samples_ms == r.h2d_samples_ms);
  CHECK(back.d2h_samples_ms == r.d2h_samples_ms);
  CHECK(back.h2d_bytes == 1 << 20);
  CHECK(back.d2h_bytes == 4000);

  SECTION("a result without them (no transfers) reads as empty series and zero sizes") {
    nlohmann::json j = r;
    for (const char* key : {"h2d_samples_ms", "d2h_samples_ms", "h2d_bytes", "d2h_bytes"}) j.erase(key);
    const auto old = j.get<WorkerResult>();
    CHECK(old.h2d_samples_ms.empty());
    CHECK(old.d2h_samples_ms.empty());
    CHECK(old.h2d_bytes == 0);
    CHECK(old.d2h_bytes == 0);
  }
  SECTION("a size that is not an integer is rejected") {
    nlohmann::json j = r;
    j["h2d_bytes"] = 1.5;
    CHECK_THROWS_AS(j.get<WorkerResult>(), tb::UsageError);
  }
  SECTION("a round reply carries the copies of its round") {
    tb::RoundReply reply;
    reply.samples_ms = {2.0, 2.5};
    reply.host_samples_ms = {3.0, 3.5};
    reply.enqueue_samples_ms = {0.1, 0.1};
    reply.h2d_samples_ms = {0.5, 0.6};
    reply.d2h_samples_ms = {0.2, 0.3};
    reply.elapsed_seconds = 0.0065;
    const nlohmann::json j = reply;
    CHECK(j.at("reply") == "round");
    const auto read = j.get<tb::RoundReply>();
    CHECK(read.h2d_samples_ms == reply.h2d_samples_ms);
    CHECK(read.d2h_samples_ms == reply.d2h_samples_ms);
    CHECK(read.samples_ms == reply.samples_ms);
  }
}
