#include "model/errors.hpp"

#include <sstream>
#include <vector>

#include <c10/util/Exception.h>

#include "util/strings.hpp"

namespace tb::model {

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
  return lines.front();
}

}  // namespace tb::model
