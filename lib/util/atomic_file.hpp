#pragma once
// Files that are either completely written or not there at all.
#include <filesystem>
#include <string>
#include <string_view>

namespace tb {

// Writes `content` to a temporary file next to `path`, flushes it to disk, then renames it
// over `path`. A crash or a failed write leaves any existing file at `path` untouched and
// no temporary behind. Throws Error(usage) naming the path and the OS reason.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Reads a whole file. Throws Error(code) naming the path and the OS reason.
std::string read_file(const std::filesystem::path& path);

// Fails early (before a long run) when `path` cannot be created: the directory is missing
// or not writable. Throws UsageError naming the directory and what to do.
void check_writable_destination(const std::filesystem::path& path);

}  // namespace tb
