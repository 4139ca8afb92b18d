#pragma once
// Exit codes of every subcommand and the exceptions that carry them. Expected failures
// (bad flags, bad files) throw one of these; the top of `main` catches them once, prints
// `torchbench-cli: error: <message>` and exits with the code.
#include <stdexcept>
#include <string>

namespace tb {

enum class ExitCode : int {
  ok = 0,
  gate_failed = 1,  // regression, accuracy tolerance or constraint not met
  usage = 2,        // usage or configuration error
  model_input = 3,  // model or input error (cannot load, shapes do not fit)
  partial = 4,      // some variants failed; the report holds the rest
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

struct UsageError : Error {
  explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

struct ModelError : Error {
  explicit ModelError(const std::string& message) : Error(ExitCode::model_input, message) {}
};

}  // namespace tb
