// run_variant and worker_main in this process on the small built-in MLP, with a tiny timing
// budget: results, failure stages, saved outputs and accuracy against a baseline.
#include <ATen/Parallel.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "test_support.hpp"
#include "measure/worker.hpp"
#include "util/atomic_file.hpp"

namespace fs = std::filesystem;
using tb::FailureStage;
using tb::WorkerJob;
using tb::measure::run_variant;

using tbtest::ScratchDir;

namespace {

WorkerJob tiny_job(const std::string& model, const std::string& variant) {
  WorkerJob job;
  job.model = model;
  job.variant = tb::parse_variant(variant);
  job.seed = 1;
  job.timing.warmup_iters = 1;
  job.timing.warmup_seconds = 0;
  job.timing.min_iters = 3;
  job.timing.min_seconds = 0;
  job.timing.max_seconds = 5;
  return job;
}

std::vector<std::string> input_texts(const tb::WorkerResult& r) {
  std::vector<std::string> texts;
  for (const auto& spec : r.inputs) texts.push_back(tb::to_string(spec));
  return texts;
}

}  // namespace

TEST_CASE("run_variant measures the built-in MLP", "[worker]") {
  const auto r = run_variant(tiny_job("builtin:mlp", "base="));
  INFO(r.error);
  REQUIRE(r.ok());
  CHECK(r.failure == FailureStage::none);
  CHECK(r.error.empty());
  CHECK(r.timer == "steady_clock");
  CHECK(r.samples_ms.size() == 3);  // min_iters 3 with min_seconds 0
  for (const double ms : r.samples_ms) CHECK(ms >= 0.0);
  CHECK(r.host_samples_ms.empty());  // kept only for device timers
  CHECK(r.warmup_iters == 1);
  CHECK(r.batch == 1);
  CHECK(input_texts(r) == std::vector<std::string>{"1x256:float32"});
  CHECK(r.output_shapes == std::vector<std::vector<std::int64_t>>{{1, 10}});
  CHECK(r.threads >= 1);
  CHECK(r.interop_threads >= 1);
  CHECK(r.peak_rss_bytes > 0);
  CHECK_FALSE(r.accuracy.has_value());
  CHECK_FALSE(r.device_peak_allocated_bytes.has_value());
  CHECK(r.runtime.is_object());
}

TEST_CASE("run_variant applies input passes and explicit inputs", "[worker]") {
  SECTION("batch=4 rewrites the declared input") {
    const auto r = run_variant(tiny_job("builtin:mlp:in=8,hidden=16,layers=1,out=3", "b4=batch=4,no-grad"));
    INFO(r.error);
    REQUIRE(r.ok());
    CHECK(r.batch == 4);
    CHECK(input_texts(r) == std::vector<std::string>{"4x8:float32"});
    CHECK(r.output_shapes == std::vector<std::vector<std::int64_t>>{{4, 3}});
  }
  SECTION("explicit inputs replace the declared ones") {
    auto job = tiny_job("builtin:mlp:in=8,hidden=16,layers=1,out=3", "base=");
    job.inputs = {tb::parse_input_spec("5x8:float32")};
    const auto r = run_variant(job);
    INFO(r.error);
    REQUIRE(r.ok());
    CHECK(r.batch == 5);
    CHECK(r.output_shapes == std::vector<std::vector<std::int64_t>>{{5, 3}});
  }
  SECTION("threads=1 sets the intra-op pool") {
    const int before = at::get_num_threads();
    const auto r = run_variant(tiny_job("builtin:mlp:in=8,hidden=16,layers=1,out=3", "t1=threads=1"));
    at::set_num_threads(before);
    INFO(r.error);
    REQUIRE(r.ok());
    CHECK(r.threads == 1);
  }
}

TEST_CASE("run_variant saves outputs and compares against a baseline", "[worker]") {
  ScratchDir dir{"tb_worker_test"};
  const std::string model = "builtin:mlp:in=8,hidden=16,layers=2,out=3";
  auto base_job = tiny_job(model, "base=");
  base_job.outputs_path = (dir.path / "base.outputs").string();
  const auto base = run_variant(base_job);
  INFO(base.error);
  REQUIRE(base.ok());
  REQUIRE(fs::exists(base_job.outputs_path));
  CHECK_FALSE(base.accuracy.has_value());

  SECTION("the same computation agrees") {
    auto job = tiny_job(model, "ng=no-grad");
    job.reference_outputs = base_job.outputs_path;
    const auto r = run_variant(job);
    INFO(r.error);
    REQUIRE(r.ok());
    REQUIRE(r.accuracy.has_value());
    CHECK(r.accuracy->count == 3);
    CHECK(r.accuracy->max_abs_err < 1e-5);
    CHECK(r.accuracy->cosine > 0.9999);
    CHECK_FALSE(r.accuracy->non_finite);
    CHECK(r.accuracy_note.empty());
  }
  SECTION("another batch size is compared on the shared rows") {
    auto job = tiny_job(model, "b4=batch=4");
    job.reference_outputs = base_job.outputs_path;
    const auto r = run_variant(job);
    INFO(r.error);
    REQUIRE(r.ok());
    REQUIRE(r.accuracy.has_value());
    CHECK(r.accuracy->count == 3);  // row 0 only
    CHECK(r.accuracy->max_abs_err < 1e-4);
    CHECK_THAT(r.accuracy_note, tbtest::contains("batch sizes differ"));
  }
  SECTION("another seed gives other weights: a large error") {
    auto job = tiny_job(model, "other=");
    job.seed = 2;
    job.reference_outputs = base_job.outputs_path;
    const auto r = run_variant(job);
    REQUIRE(r.ok());
    REQUIRE(r.accuracy.has_value());
    CHECK(r.accuracy->max_abs_err > 1e-3);
  }
  SECTION("missing baseline outputs fail at the accuracy stage") {
    auto job = tiny_job(model, "v=");
    job.reference_outputs = (dir.path / "missing.outputs").string();
    const auto r = run_variant(job);
    CHECK(r.failure == FailureStage::accuracy);
    CHECK_THAT(r.error, tbtest::contains("missing.outputs"));
  }
}

TEST_CASE("run_variant failures carry their stage and one line", "[worker]") {
  SECTION("inputs the model cannot take fail on the first run") {
    auto job = tiny_job("builtin:mlp", "base=");
    job.inputs = {tb::parse_input_spec("1x256:float32"), tb::parse_input_spec("1x256:float32")};
    const auto r = run_variant(job);
    CHECK_FALSE(r.ok());
    CHECK(r.failure == FailureStage::first_run);
    CHECK_FALSE(r.error.empty());
    CHECK(r.error.find('\n') == std::string::npos);
    CHECK(r.samples_ms.empty());
  }
  SECTION("a wrong input width fails on the first run") {
    auto job = tiny_job("builtin:mlp", "base=");
    job.inputs = {tb::parse_input_spec("1x7:float32")};
    const auto r = run_variant(job);
    CHECK(r.failure == FailureStage::first_run);
    CHECK_FALSE(r.error.empty());
  }
  SECTION("a missing model file fails at load") {
    ScratchDir dir{"tb_worker_test"};
    const auto path = (dir.path / "missing.pt").string();
    const auto r = run_variant(tiny_job(path, "base="));
    CHECK(r.failure == FailureStage::load);
    CHECK_THAT(r.error, tbtest::contains("missing.pt"));
    CHECK_THAT(r.error, tbtest::contains("does not exist"));
    CHECK(r.error_exit_code == 3);
  }
  SECTION("a bad built-in parameter fails at load as a usage error") {
    const auto r = run_variant(tiny_job("builtin:mlp:depth=2", "base="));
    CHECK(r.failure == FailureStage::load);
    CHECK_THAT(r.error, tbtest::contains("depth"));
    CHECK(r.error_exit_code == 2);
  }
}

TEST_CASE("worker_main reads a job file and writes a result file", "[worker]") {
  ScratchDir dir{"tb_worker_test"};
  const auto job_path = dir.path / "job.json";
  const auto result_path = dir.path / "result.json";
  SECTION("a valid job") {
    tb::write_file_atomic(job_path, nlohmann::json(tiny_job("builtin:mlp:in=4,hidden=4,layers=1,out=2", "v=")).dump());
    CHECK(tb::measure::worker_main(job_path, result_path) == 0);
    const auto result = nlohmann::json::parse(tb::read_file(result_path)).get<tb::WorkerResult>();
    INFO(result.error);
    CHECK(result.ok());
    CHECK(result.samples_ms.size() == 3);
    CHECK(result.output_shapes == std::vector<std::vector<std::int64_t>>{{1, 2}});
  }
  SECTION("a failing variant still writes its result") {
    tb::write_file_atomic(job_path, nlohmann::json(tiny_job((dir.path / "nope.pt").string(), "v=")).dump());
    CHECK(tb::measure::worker_main(job_path, result_path) == 0);
    const auto result = nlohmann::json::parse(tb::read_file(result_path)).get<tb::WorkerResult>();
    CHECK(result.failure == FailureStage::load);
  }
  SECTION("an invalid job file is a usage error and writes nothing") {
    tb::write_file_atomic(job_path, "{\"model\": 3}");
    CHECK(tb::measure::worker_main(job_path, result_path) == 2);
    CHECK_FALSE(fs::exists(result_path));
  }
}

TEST_CASE("run_variant returns what the passes did as pass notes", "[worker][quantize]") {
  const auto plain = run_variant(tiny_job("builtin:mlp", "base=freeze"));
  REQUIRE(plain.ok());
  CHECK(plain.pass_notes.empty());
  const auto quantized = run_variant(tiny_job("builtin:mlp", "q=inference-mode,int8-dynamic=per-channel"));
  INFO(quantized.error);
  REQUIRE(quantized.ok());
  REQUIRE(quantized.pass_notes.size() == 1);
  CHECK_THAT(quantized.pass_notes[0], tbtest::contains("int8-dynamic: 4 Linear layers to int8 per-channel"));
}
