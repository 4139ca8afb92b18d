#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/errors.hpp"

namespace tb {
namespace {

std::filesystem::path parent_or_cwd(const std::filesystem::path& path) {
  const auto parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  const auto directory = parent_or_cwd(path);
  std::string temp = (directory / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = mkstemp(temp.data());
  if (fd < 0) {
    throw UsageError("cannot write '" + path.string() + "': " + std::strerror(errno));
  }
  auto fail = [&](const char* what) {
    const int saved = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    throw UsageError("cannot write '" + path.string() + "' (" + what + "): " + std::strerror(saved) +
                     "; free space or choose another path");
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  // mkstemp creates 0600; reports are ordinary files, readable like any other output.
  if (::fchmod(fd, 0644) != 0) fail("chmod");
  if (::fsync(fd) != 0) fail("fsync");
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    throw UsageError("cannot write '" + path.string() + "' (close): " + std::strerror(saved));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    throw UsageError("cannot write '" + path.string() + "' (rename): " + std::strerror(saved));
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read '" + path.string() + "': " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void check_writable_destination(const std::filesystem::path& path) {
  const auto directory = parent_or_cwd(path);
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    throw UsageError("output directory '" + directory.string() +
                     "' does not exist; create it or choose another -o path");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError("output path '" + path.string() + "' is a directory; give a file name");
  }
  if (::access(directory.c_str(), W_OK) != 0) {
    throw UsageError("output directory '" + directory.string() +
                     "' is not writable; choose another -o path");
  }
}

}  // namespace tb
