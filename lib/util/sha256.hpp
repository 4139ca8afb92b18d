#pragma once
// SHA-256 (FIPS 180-4) of a byte string: what identifies a suite's config file in its
// reports, so that `merge` can tell shards of one suite from shards of an edited one.
#include <string>
#include <string_view>

namespace tb {

// The digest as 64 lowercase hex digits; the same as `sha256sum` prints for those bytes.
std::string sha256_hex(std::string_view bytes);

}  // namespace tb
