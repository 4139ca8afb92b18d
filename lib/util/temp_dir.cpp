#include "util/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace tb {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = (std::filesystem::path(base && *base ? base : "/tmp") / "torchbench-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory in " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace tb
