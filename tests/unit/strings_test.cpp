// String helpers: trim, split, parse_int, parse_double, edit_distance, closest_match,
// did_you_mean, utc_timestamp_now.
#include <array>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "util/strings.hpp"

using Strings = std::vector<std::string>;

TEST_CASE("trim", "[strings]") {
  CHECK(tb::trim("  abc  ") == "abc");
  CHECK(tb::trim("\t\r\nabc def\n") == "abc def");
  CHECK(tb::trim("abc") == "abc");
  CHECK(tb::trim("") == "");
  CHECK(tb::trim(" \t\n ") == "");
}

TEST_CASE("split", "[strings]") {
  CHECK(tb::split("a,b,c", ',') == Strings{"a", "b", "c"});
  CHECK(tb::split("a,,b", ',') == Strings{"a", "", "b"});
  CHECK(tb::split("", ',') == Strings{""});
  CHECK(tb::split(",", ',') == Strings{"", ""});
  CHECK(tb::split("abc", ',') == Strings{"abc"});
  CHECK(tb::split("1x3x224", 'x') == Strings{"1", "3", "224"});
  CHECK(tb::split("a,b,", ',') == Strings{"a", "b", ""});
}

TEST_CASE("parse_int", "[strings]") {
  CHECK(tb::parse_int("0") == 0);
  CHECK(tb::parse_int("42") == 42);
  CHECK(tb::parse_int("-7") == -7);
  CHECK(tb::parse_int("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
  CHECK(tb::parse_int("-9223372036854775808") == std::numeric_limits<std::int64_t>::min());
  CHECK_FALSE(tb::parse_int("").has_value());
  CHECK_FALSE(tb::parse_int("9223372036854775808").has_value());  // overflow
  CHECK_FALSE(tb::parse_int("12a").has_value());
  CHECK_FALSE(tb::parse_int("a12").has_value());
  CHECK_FALSE(tb::parse_int("1.5").has_value());
  CHECK_FALSE(tb::parse_int(" 1").has_value());
  CHECK_FALSE(tb::parse_int("1 ").has_value());
  CHECK_FALSE(tb::parse_int("-").has_value());
  CHECK_FALSE(tb::parse_int("0x10").has_value());
}

TEST_CASE("parse_double", "[strings]") {
  CHECK(tb::parse_double("0") == 0.0);
  CHECK(tb::parse_double("1.5") == 1.5);
  CHECK(tb::parse_double("-0.25") == -0.25);
  CHECK(tb::parse_double("1e3") == 1000.0);
  CHECK(tb::parse_double("30522") == 30522.0);
  CHECK(tb::parse_double("2.5E-1") == 0.25);
  CHECK_FALSE(tb::parse_double("").has_value());
  CHECK_FALSE(tb::parse_double("abc").has_value());
  CHECK_FALSE(tb::parse_double("1.5x").has_value());
  CHECK_FALSE(tb::parse_double(" 1.5").has_value());
  CHECK_FALSE(tb::parse_double("nan").has_value());
  CHECK_FALSE(tb::parse_double("inf").has_value());
  CHECK_FALSE(tb::parse_double("-inf").has_value());
  CHECK_FALSE(tb::parse_double("1e400").has_value());  // out of range
}

TEST_CASE("edit_distance", "[strings]") {
  CHECK(tb::edit_distance("", "") == 0);
  CHECK(tb::edit_distance("abc", "") == 3);
  CHECK(tb::edit_distance("", "abc") == 3);
  CHECK(tb::edit_distance("freeze", "freeze") == 0);
  CHECK(tb::edit_distance("kitten", "sitting") == 3);
  CHECK(tb::edit_distance("frezee", "freeze") == 2);
  CHECK(tb::edit_distance("flaw", "lawn") == 2);
  CHECK(tb::edit_distance("abc", "abd") == 1);
  CHECK(tb::edit_distance("ab", "abc") == 1);
  // Symmetric.
  CHECK(tb::edit_distance("sitting", "kitten") == 3);
}

TEST_CASE("closest_match and did_you_mean", "[strings]") {
  constexpr std::array<std::string_view, 8> passes = {"grad",     "no-grad", "inference-mode",  "freeze",
                                                      "optimize", "threads", "interop-threads", "batch"};
  SECTION("a typo finds the intended word") {
    CHECK(tb::closest_match("frezee", passes) == "freeze");
    CHECK(tb::closest_match("optimise", passes) == "optimize");
    CHECK(tb::closest_match("thread", passes) == "threads");
    CHECK(tb::closest_match("nograd", passes) == "no-grad");
  }
  SECTION("an exact match is itself") {
    CHECK(tb::closest_match("batch", passes) == "batch");
  }
  SECTION("a prefix of a long name matches") {
    CHECK(tb::closest_match("inference", passes) == "inference-mode");
  }
  SECTION("nothing close gives empty") {
    CHECK(tb::closest_match("quantize", passes) == "");
    CHECK(tb::closest_match("zzzzzzzzzz", passes) == "");
    CHECK(tb::closest_match("word", std::span<const std::string_view>{}) == "");
  }
  SECTION("did_you_mean formats the hint") {
    CHECK(tb::did_you_mean("frezee", passes) == " (did you mean 'freeze'?)");
    CHECK(tb::did_you_mean("quantize", passes) == "");
  }
}

TEST_CASE("utc_timestamp_now is ISO 8601 with Z", "[strings]") {
  const auto stamp = tb::utc_timestamp_now();
  REQUIRE(stamp.size() == 20);  // YYYY-MM-DDTHH:MM:SSZ
  CHECK(stamp[4] == '-');
  CHECK(stamp[7] == '-');
  CHECK(stamp[10] == 'T');
  CHECK(stamp[13] == ':');
  CHECK(stamp[16] == ':');
  CHECK(stamp[19] == 'Z');
  CHECK(stamp.substr(0, 2) == "20");
}

TEST_CASE("join puts the separator between items only", "[strings]") {
  const std::vector<std::string_view> views = {"a", "bc", "d"};
  CHECK(tb::join(views, ", ") == "a, bc, d");
  const std::vector<std::string> strings = {"x"};
  CHECK(tb::join(strings, ", ") == "x");
  CHECK(tb::join(std::vector<std::string>{}, ", ").empty());
}

TEST_CASE("parse_byte_size", "[strings]") {
  CHECK(tb::parse_byte_size("4096") == 4096);
  CHECK(tb::parse_byte_size("2G") == 2LL << 30);
  CHECK(tb::parse_byte_size("2g") == 2LL << 30);
  CHECK(tb::parse_byte_size("2GiB") == 2LL << 30);
  CHECK(tb::parse_byte_size(" 512 MB ") == 512LL << 20);
  CHECK(tb::parse_byte_size("1.5G") == 3LL << 29);
  CHECK(tb::parse_byte_size("64k") == 64 << 10);
  CHECK(tb::parse_byte_size("1T") == 1LL << 40);
  CHECK(tb::parse_byte_size("100B") == 100);
  for (const char* bad : {"", "G", "0", "0.1", "-1G", "1e9", "2X", "2GG", "2 G B", "nan", "inf", "1.5.2G",
                          "9000000000G"}) {
    INFO(bad);
    CHECK_FALSE(tb::parse_byte_size(bad).has_value());
  }
}

TEST_CASE("format_byte_size", "[strings]") {
  CHECK(tb::format_byte_size(100) == "100 B");
  CHECK(tb::format_byte_size(2LL << 30) == "2 GiB");
  CHECK(tb::format_byte_size(3LL << 29) == "1.5 GiB");
  CHECK(tb::format_byte_size(512LL << 20) == "512 MiB");
  CHECK(tb::format_byte_size(1023) == "1023 B");
}

TEST_CASE("is_valid_utf8", "[strings]") {
  CHECK(tb::is_valid_utf8(""));
  CHECK(tb::is_valid_utf8("plain ascii"));
  CHECK(tb::is_valid_utf8("ünïcödé \xe2\x82\xac \xf0\x9f\x98\x80"));  // 2-, 3- and 4-byte sequences
  CHECK_FALSE(tb::is_valid_utf8("bad\xffname"));
  CHECK_FALSE(tb::is_valid_utf8("\xc3"));              // cut short
  CHECK_FALSE(tb::is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(tb::is_valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(tb::is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(tb::is_valid_utf8("\x80"));              // a continuation byte alone
}
