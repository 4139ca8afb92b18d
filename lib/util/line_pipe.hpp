#pragma once
// Newline-delimited messages over pipes, with a deadline and a cancel flag on reads: how the
// parent talks to a live worker process (see docs/architecture.md, "Rounds").
#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <string_view>

namespace tb {

enum class ReadStatus { line, eof, timeout, cancelled };

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

  // Reads the next line (without its '\n') into `line`. `eof` when the writer closed the pipe
  // (or died) before a full line; `timeout` once `timeout` passed; `cancelled` once `*cancel`
  // is non-zero. Bytes after the line are kept for the next call.
  ReadStatus read_line(std::string& line, std::optional<std::chrono::duration<double>> timeout = std::nullopt,
                       const volatile std::sig_atomic_t* cancel = nullptr);

 private:
  int fd_;
  std::string buffer_;
};

// Writes `line` and a '\n', retrying short writes. False when the reader is gone (EPIPE;
// SIGPIPE must be ignored by the caller) or on another write error.
bool write_line(int fd, std::string_view line);

}  // namespace tb
