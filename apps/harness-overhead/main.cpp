// Harness overhead benchmark (not a test): how much time the timed loop adds per iteration
// compared with a bare C++ loop calling the same model. Run by scripts/bench_overhead.sh.
//
// Both loops call the same TorchScript model through the same Model interface. Each round
// times N bare iterations and N harness iterations (run_measurement with the steady-clock
// timer: two clock reads, a sample push and the stop check per iteration) as one block
// each, alternating which goes first; the overhead is the median over rounds of
// (harness - bare) / N.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/timed_loop.hpp"
#include "measure/timers.hpp"
#include "model/inputs.hpp"
#include "model/model.hpp"
#include "core/model_ref.hpp"
#include "util/statistics.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
  const std::string model_text = argc > 1 ? argv[1] : "builtin:mlp:in=16,hidden=16,layers=1,out=4";
  const std::int64_t iters = argc > 2 ? std::atoll(argv[2]) : 20000;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 15;

  c10::InferenceMode inference_mode;
  auto model = tb::model::load_model(tb::parse_model_ref(model_text), 0);
  const auto inputs = tb::model::make_inputs(model->declared_inputs(), 0, c10::Device(c10::kCPU));
  auto body = [&] { model->run(inputs); };
  for (int i = 0; i < 2000; ++i) body();  // warm-up: profiling executor, caches

  tb::TimingOptions options;
  options.min_iters = iters;
  options.max_iters = iters;
  options.min_seconds = 0;
  options.max_seconds = 1e9;
  tb::measure::SteadyClockTimer timer;

  std::vector<double> bare_us, harness_us, overhead_us;
  for (int round = 0; round < rounds; ++round) {
    double bare = 0, harness = 0;
    for (int order = 0; order < 2; ++order) {
      if ((order == 0) == (round % 2 == 0)) {
        const auto start = Clock::now();
        for (std::int64_t i = 0; i < iters; ++i) body();
        bare = seconds_since(start);
      } else {
        const auto start = Clock::now();
        const auto result = tb::run_measurement(timer, body, options, tb::KeptSeries::samples);
        harness = seconds_since(start);
        if (static_cast<std::int64_t>(result.samples_ms.size()) != iters) return 1;
      }
    }
    bare_us.push_back(bare / static_cast<double>(iters) * 1e6);
    harness_us.push_back(harness / static_cast<double>(iters) * 1e6);
    overhead_us.push_back((harness - bare) / static_cast<double>(iters) * 1e6);
  }
  const auto b = tb::summarize(bare_us), h = tb::summarize(harness_us), o = tb::summarize(overhead_us);
  std::printf("model: %s, %lld iterations x %d rounds\n", model_text.c_str(), static_cast<long long>(iters), rounds);
  std::printf("bare loop      median %.3f us/iter (min %.3f, max %.3f)\n", b.median, b.min, b.max);
  std::printf("harness loop   median %.3f us/iter (min %.3f, max %.3f)\n", h.median, h.min, h.max);
  std::printf("overhead       median %.3f us/iter (min %.3f, max %.3f over rounds)\n", o.median, o.min, o.max);
  return 0;
}
