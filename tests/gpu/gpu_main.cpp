// main() of the [gpu] test binary (Catch2 v2 and v3). Without a CUDA device it runs nothing
// and exits with kSkipCode, which ctest's SKIP_RETURN_CODE turns into "Skipped": the GPU
// tests are skipped, never passed, on a machine without one.
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include <iostream>

#include "measure/device.hpp"

namespace {
constexpr int kSkipCode = 77;  // tests/CMakeLists.txt: SKIP_RETURN_CODE
}

int main(int argc, char** argv) {
  if (tb::measure::device_count(c10::DeviceType::CUDA) == 0) {
    std::cout << "no CUDA device visible to this LibTorch: the [gpu] tests are skipped\n";
    return kSkipCode;
  }
  return Catch::Session().run(argc, argv);
}
