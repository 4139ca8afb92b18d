// --shard I/N (core/shard.hpp): parsing and which entries a shard runs.
#include <set>

#include "catch.hpp"
#include "core/shard.hpp"
#include "test_support.hpp"

using tb::parse_shard;
using tb::Shard;

TEST_CASE("shards parse as 1-based I/N", "[shard]") {
  CHECK(parse_shard("1/4") == Shard{1, 4});
  CHECK(parse_shard("4/4") == Shard{4, 4});
  CHECK(parse_shard("1/1") == Shard{1, 1});
  CHECK(parse_shard(" 2 / 3 ") == Shard{2, 3});
  CHECK(tb::to_string(Shard{2, 3}) == "2/3");
}

TEST_CASE("bad shards are usage errors that say why", "[shard]") {
  const auto error = [](const char* text) { return tbtest::usage_error_of([&] { parse_shard(text); }); };
  CHECK_THAT(error("0/3"), tbtest::contains("I counts from 1"));
  CHECK_THAT(error("0/3"), tbtest::contains("invalid --shard '0/3'"));
  CHECK_THAT(error("4/3"), tbtest::contains("I is above N"));
  CHECK_THAT(error("a/b"), tbtest::contains("must be integers"));
  CHECK_THAT(error("1/0"), tbtest::contains("N must be at least 1"));
  CHECK_THAT(error("-1/3"), tbtest::contains("I counts from 1"));
  CHECK_THAT(error("3"), tbtest::contains("no '/'"));
  CHECK_THAT(error(""), tbtest::contains("no '/'"));
  CHECK_THAT(error("1/"), tbtest::contains("must be integers"));
  CHECK_THAT(error("1/2/3"), tbtest::contains("must be integers"));
  CHECK_THAT(error("1/100001"), tbtest::contains("at most 10000"));
  CHECK_THAT(error("1/99999999999999999999"), tbtest::contains("must be integers"));
}

TEST_CASE("every entry belongs to exactly one shard, round-robin", "[shard]") {
  for (std::int64_t count = 1; count <= 5; ++count) {
    for (std::size_t entry = 0; entry < 12; ++entry) {
      int owners = 0;
      for (std::int64_t index = 1; index <= count; ++index) owners += tb::in_shard({index, count}, entry);
      CHECK(owners == 1);
    }
  }
  std::set<std::size_t> first_of_three;
  for (std::size_t entry = 0; entry < 7; ++entry) {
    if (tb::in_shard({1, 3}, entry)) first_of_three.insert(entry);
  }
  CHECK(first_of_three == std::set<std::size_t>{0, 3, 6});
  CHECK_FALSE(tb::in_shard({3, 4}, 0));
  CHECK(tb::in_shard({3, 4}, 2));
}
