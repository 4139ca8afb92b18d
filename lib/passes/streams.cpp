// `streams=N`: each timed call runs the model N times, once on each of N streams of the
// device, concurrently; the sample is the time until all N are done (the timer's events are
// on the current stream, which waits for every side stream), so throughput counts N calls
// per sample, and each stream's own device time per call is kept (per-stream latency).
// Device-generic: c10::Stream from the device guard interface, c10::Event, c10::StreamGuard.
//
// A stream's time of the previous call is read at the start of the next one, which waits for
// that stream's previous call: in throughput mode the queue holds one call per stream.
#include <c10/core/Event.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include "model/model.hpp"
#include "passes/pass.hpp"

namespace tb::passes {
namespace {

class StreamsRunner : public CallRunner {
 public:
  StreamsRunner(model::Model& model, c10::Device device, int count) : model_(model), device_(device) {
    const c10::impl::VirtualGuardImpl guard(device.type());
    for (int i = 0; i < count; ++i) {
      streams_.push_back(guard.getStreamFromGlobalPool(device));
      start_.emplace_back(device.type(), c10::EventFlag::BACKEND_DEFAULT);
      stop_.emplace_back(device.type(), c10::EventFlag::BACKEND_DEFAULT);
    }
    times_.resize(static_cast<std::size_t>(count));
  }

  c10::IValue run(const std::vector<c10::IValue>& inputs) override {
    collect_previous();
    const c10::impl::VirtualGuardImpl guard(device_.type());
    const c10::Stream main = guard.getStream(device_);
    c10::Event inputs_ready(device_.type());
    inputs_ready.record(main);
    c10::IValue output;
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      inputs_ready.block(streams_[i]);  // the inputs were written on the main stream
      const c10::StreamGuard on(streams_[i]);
      start_[i].record(streams_[i]);
      output = model_.run(inputs);
      stop_[i].record(streams_[i]);
    }
    for (auto& stop : stop_) stop.block(main);  // the timer's stop event waits for all
    pending_ = true;
    return output;
  }

  std::int64_t calls_per_run() const override { return static_cast<std::int64_t>(streams_.size()); }

  std::vector<std::vector<double>> per_stream_ms() const override {
    const_cast<StreamsRunner*>(this)->collect_previous();
    return times_;
  }

 private:
  void collect_previous() {
    if (!pending_) return;
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      stop_[i].synchronize();
      times_[i].push_back(start_[i].elapsedTime(stop_[i]));
    }
    pending_ = false;
  }

  model::Model& model_;
  c10::Device device_;
  std::vector<c10::Stream> streams_;
  std::vector<c10::Event> start_, stop_;
  std::vector<std::vector<double>> times_;
  bool pending_ = false;
};

}  // namespace

extern const PassInfo kStreamsPass = {
    .name = "streams",
    .summary = "N concurrent streams each run the model per call (aggregate throughput, per-stream latency)",
    .stage = Stage::execution,
    .value = ValueKind::positive_int,
    .group = "runner",
    .device = "cuda",
    .apply = [](VariantContext& context, const PassSpec& pass) {
      const auto count = static_cast<int>(int_value(pass));
      context.runner = std::make_shared<StreamsRunner>(*context.model, context.device, count);
      context.notes.push_back("streams: " + std::to_string(count) + " concurrent streams per call");
    },
};

}  // namespace tb::passes
