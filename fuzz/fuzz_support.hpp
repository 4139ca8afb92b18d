#pragma once
// Shared by the harnesses: the input as text, and a check that turns a broken property into
// a crash libFuzzer records (with the input that caused it).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tb::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void property_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line, what);
  std::abort();
}

}  // namespace tb::fuzz

#define TB_FUZZ_CHECK(condition) \
  ((condition) ? void(0) : ::tb::fuzz::property_failed(#condition, __FILE__, __LINE__))
