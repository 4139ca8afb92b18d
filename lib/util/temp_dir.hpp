#pragma once
// Scratch directories that clean up after themselves.
#include <filesystem>

namespace tb {

// A private directory under $TMPDIR (or /tmp), removed with everything in it on
// destruction. Throws UsageError when it cannot be created.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tb
