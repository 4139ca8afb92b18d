#pragma once
// Turning LibTorch exceptions into one readable line.
#include <exception>
#include <string>

namespace tb::model {

// The first line of an exception's message, without LibTorch's C++ backtrace: c10::Error
// messages carry "Exception raised from ..." and a stack; TorchScript errors carry the
// scripted source. Empty messages become the exception's type-neutral "unknown error".
std::string first_line(const std::exception& error);

}  // namespace tb::model
