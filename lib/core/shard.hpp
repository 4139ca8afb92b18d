#pragma once
// `run --config FILE --shard I/N`: which entries of a suite one machine of a fleet runs.
// 1-based I, as Jest's and Playwright's --shard; a CI matrix, a Kubernetes Indexed Job or a
// Slurm array maps its own task index to it (docs/ci.md).
#include <cstdint>
#include <string>
#include <string_view>

namespace tb {

struct Shard {
  std::int64_t index = 1;  // 1 to count
  std::int64_t count = 1;

  bool operator==(const Shard&) const = default;
};

// The most shards a suite can be cut into.
inline constexpr std::int64_t kMaxShards = 10000;

// "I/N" with 1 <= I <= N <= kMaxShards. Throws UsageError for anything else ("0/3", "4/3",
// "a/b", "1/0").
Shard parse_shard(std::string_view text);

// Whether entry `entry` (0-based, in file order) belongs to `shard`: entry mod N = I - 1.
// Round-robin rather than contiguous blocks, so that a suite ordered small to large spreads
// its large models over the shards.
bool in_shard(const Shard& shard, std::size_t entry);

// "2/4".
std::string to_string(const Shard& shard);

}  // namespace tb
