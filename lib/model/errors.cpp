#include "model/errors.hpp"

#include <sstream>
#include <vector>

#include <c10/util/Exception.h>

#include "util/strings.hpp"

namespace tb::model {
namespace {

// c10's CAFFE_ENFORCE messages start with where and what failed in LibTorch's source,
// "[enforce fail at alloc_cpu.cpp:127] err == 0. ", before the sentence that means something
// to the user (and the condition can be empty: "[enforce fail at inline_container.cc:230] . ").
std::string without_enforce_prefix(const std::string& line) {
  constexpr std::string_view kPrefix = "[enforce fail at ";
  if (!line.starts_with(kPrefix)) return line;
  const auto close = line.find("] ");
  if (close == std::string::npos) return line;
  const auto sentence = line.find(". ", close);
  if (sentence == std::string::npos) return line;
  const auto rest = trim(std::string_view(line).substr(sentence + 2));
  return rest.empty() ? line : std::string(rest);
}

}  // namespace

std::string first_line(const std::exception& error) {
  std::string message;
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&error)) {
    message = c10_error->what_without_backtrace();
  } else {
    message = error.what();
  }
  // TorchScript interpreter errors put the scripted traceback first and the actual error
  // ("RuntimeError: ...") on the last line.
  std::vector<std::string> lines;
  std::istringstream stream(message);
  for (std::string line; std::getline(stream, line);) {
    if (!trim(line).empty()) lines.emplace_back(trim(line));
  }
  if (lines.empty()) return "unknown error";
  if (message.find("The following operation failed in the TorchScript interpreter") != std::string::npos) {
    return lines.back();
  }
  return without_enforce_prefix(lines.front());
}

}  // namespace tb::model
