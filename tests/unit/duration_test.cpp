// Durations on the command line (util/duration.hpp): --budget 10m, --latency-budget 20ms.
#include "catch.hpp"
#include "util/duration.hpp"

TEST_CASE("durations need a unit and may combine parts", "[duration]") {
  CHECK(*tb::parse_duration("10m") == Approx(600));
  CHECK(*tb::parse_duration("90s") == Approx(90));
  CHECK(*tb::parse_duration("1h30m") == Approx(5400));
  CHECK(*tb::parse_duration("2min") == Approx(120));
  CHECK(*tb::parse_duration("20ms") == Approx(0.02));
  CHECK(*tb::parse_duration("250us") == Approx(250e-6));
  CHECK(*tb::parse_duration("1.5s") == Approx(1.5));
  CHECK(*tb::parse_duration(" 1m30s ") == Approx(90));
  for (const auto* bad : {"", "20", "s", "-5s", "5 s", "5x", "1.2.3s", "0s", "nan s", "1e400s", "10m-"}) {
    CAPTURE(bad);
    CHECK_FALSE(tb::parse_duration(bad));
  }
}

TEST_CASE("durations for people", "[duration]") {
  CHECK(tb::format_duration(0.00012) == "120us");
  CHECK(tb::format_duration(0.85) == "850ms");
  CHECK(tb::format_duration(38.24) == "38.2s");
  CHECK(tb::format_duration(252) == "4m12s");
  CHECK(tb::format_duration(3900) == "1h05m");
  CHECK(tb::format_duration(-1) == "?");
}
