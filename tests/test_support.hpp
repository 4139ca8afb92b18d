#pragma once
// Helpers shared by the unit tests.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/errors.hpp"

namespace tbtest {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view prefix = "tb_test") {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           (std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // File names in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::filesystem::path path;
};

// The message of the UsageError that `f()` throws, or "" when it throws none.
template <class F>
std::string usage_error_of(F&& f) {
  try {
    f();
  } catch (const tb::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace tbtest
