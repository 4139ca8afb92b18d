#pragma once
// Include this instead of a Catch2 header: it works with Catch2 v2 (Debian 12) and v3
// (Debian 13). Use TEST_CASE, SECTION, REQUIRE, CHECK, CHECK_THROWS_AS and
// Catch::Matchers::WithinAbs / WithinRel / ContainsSubstring via the aliases below.
#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
namespace tbtest {
inline auto contains(const std::string& text) { return Catch::Matchers::ContainsSubstring(text); }
}  // namespace tbtest
#else
#include <catch2/catch.hpp>
namespace tbtest {
inline auto contains(const std::string& text) { return Catch::Matchers::Contains(text); }
}  // namespace tbtest
#endif
