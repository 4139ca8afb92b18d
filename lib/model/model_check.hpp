#pragma once
// Checking a model reference before any worker starts, without LibTorch headers.
#include "core/model_ref.hpp"

namespace tb::model {

// Checks that a reference can be loaded at all (the file exists and is a regular readable
// file; the built-in and its parameters exist), without loading. Throws ModelError (missing,
// unreadable or empty file) or UsageError (unknown built-in or parameter).
void check_model_ref(const ModelRef& ref);

}  // namespace tb::model
