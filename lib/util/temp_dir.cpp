#include "util/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "util/errors.hpp"

namespace tb {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  const std::filesystem::path parent = base && *base ? base : "/tmp";
  std::string pattern = (parent / "torchbench-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    throw UsageError("cannot create a scratch directory in '" + parent.string() + "' (" + std::strerror(errno) +
                     "); set TMPDIR to a writable directory");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace tb
