#include "util/line_pipe.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace tb {

ReadStatus LineReader::read_line(std::string& line, std::optional<std::chrono::duration<double>> timeout,
                                 const volatile std::sig_atomic_t* cancel) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  while (true) {
    if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
      line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return ReadStatus::line;
    }
    if (cancel && *cancel) return ReadStatus::cancelled;
    // Wake at least every 50 ms to look at the cancel flag (a signal may land just before
    // poll starts, so EINTR alone is not enough).
    int wait_ms = 50;
    if (timeout) {
      const auto left = *timeout - (clock::now() - start);
      if (left <= std::chrono::duration<double>::zero()) return ReadStatus::timeout;
      // Clamped as a double: a huge timeout does not fit in an int.
      wait_ms = static_cast<int>(std::clamp(std::chrono::duration<double, std::milli>(left).count() + 1, 1.0, 50.0));
    }
    pollfd entry{fd_, POLLIN, 0};
    const int ready = poll(&entry, 1, wait_ms);
    if (ready < 0 && errno != EINTR) return ReadStatus::eof;
    if (ready <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return ReadStatus::eof;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool write_line(int fd, std::string_view line) {
  std::string data(line);
  data += '\n';
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace tb
