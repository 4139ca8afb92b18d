// The worker protocol: job files, result files and round replies (WorkerJob, WorkerResult,
// RoundReply from_json). The parent reads what a worker wrote, and a worker that crashed or
// ran a hostile model may have written anything. The first byte picks the message.
// Properties: a malformed message throws nlohmann::json::exception or UsageError (the parent
// turns both into "the worker's ... is unreadable"), never anything else; an accepted one
// writes back (to_json) to JSON that reads to the same JSON again.
#include <nlohmann/json.hpp>

#include "core/worker_protocol.hpp"
#include "fuzz_support.hpp"
#include "util/errors.hpp"

namespace {

template <class Message>
void round_trip(const nlohmann::json& json) {
  const auto message = json.get<Message>();
  const nlohmann::json written = message;
  const nlohmann::json again = written.get<Message>();
  TB_FUZZ_CHECK(again == written);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto text = tb::fuzz::as_text(data + 1, size - 1);
  try {
    const auto json = nlohmann::json::parse(text);
    switch (data[0] % 3) {
      case 0: round_trip<tb::WorkerJob>(json); break;
      case 1: round_trip<tb::WorkerResult>(json); break;
      default: round_trip<tb::RoundReply>(json); break;
    }
  } catch (const nlohmann::json::exception&) {
  } catch (const tb::UsageError&) {
  }
  return 0;
}
