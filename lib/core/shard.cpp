#include "core/shard.hpp"

#include <fmt/format.h>

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb {

Shard parse_shard(std::string_view text) {
  const auto fail = [&](std::string_view why) {
    throw UsageError(fmt::format("invalid --shard '{}': {}; expected I/N with 1 <= I <= N, e.g. --shard 1/4 (the "
                                 "first of four)",
                                 text, why));
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) fail("no '/'");
  const auto index = parse_int(trim(text.substr(0, slash)));
  const auto count = parse_int(trim(text.substr(slash + 1)));
  if (!index || !count) fail("I and N must be integers");
  if (*count < 1) fail("N must be at least 1");
  if (*count > kMaxShards) fail(fmt::format("N must be at most {}", kMaxShards));
  if (*index < 1) fail("I counts from 1 (a 0-based task index needs +1: docs/ci.md)");
  if (*index > *count) fail(fmt::format("I is above N"));
  return {*index, *count};
}

bool in_shard(const Shard& shard, std::size_t entry) {
  return static_cast<std::int64_t>(entry % static_cast<std::size_t>(shard.count)) == shard.index - 1;
}

std::string to_string(const Shard& shard) { return fmt::format("{}/{}", shard.index, shard.count); }

}  // namespace tb
