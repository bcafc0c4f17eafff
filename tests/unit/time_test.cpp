// core/time: the one reader and writer of dates.
#include "core/time.h"

#include <doctest/doctest.h>

using namespace persona;

TEST_CASE("dates are read the ways git reads GIT_AUTHOR_DATE") {
  auto t = [](std::string_view s) { return parse_date(s); };
  REQUIRE(t("@1764351000 +0000"));
  CHECK(t("@1764351000 +0000")->seconds == 1764351000);
  CHECK(t("1764351000 +0100")->offset_minutes == 60);
  CHECK(t("1764351000")->seconds == 1764351000);
  CHECK(t("2025-11-28T17:30:00Z")->seconds == 1764351000);
  CHECK(t("2025-11-28T18:30:00+01:00")->seconds == 1764351000);
  CHECK(t("2025-11-28T18:30:00+01:00")->offset_minutes == 60);
  CHECK(t("2025-11-28 12:30:00 -0500")->seconds == 1764351000);
  CHECK(t("2025-11-28 12:30:00 -0500")->offset_minutes == -300);
  CHECK(t("Fri, 28 Nov 2025 17:30:00 +0000")->seconds == 1764351000);
  CHECK_FALSE(t(""));
  CHECK_FALSE(t("yesterday"));
  CHECK_FALSE(t("2025-13-28T17:30:00Z"));
  CHECK_FALSE(t("2025-02-30T17:30:00Z"));
  CHECK_FALSE(t("2025-11-28T24:30:00Z"));
  CHECK_FALSE(t("2025-11-28T17:30:00Zjunk"));
  CHECK_FALSE(t("Fri, 28 Nov 2025 17:30:00"));
}

TEST_CASE("UTC timestamps are written and read in one shape") {
  CHECK(format_utc(1764351000) == "2025-11-28T17:30:00Z");
  CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(format_utc(951782400) == "2000-02-29T00:00:00Z");
  CHECK(format_utc(-86400) == "1969-12-31T00:00:00Z");
  CHECK(parse_utc("2025-11-28T17:30:00Z") == std::optional<std::int64_t>(1764351000));
  CHECK(parse_utc(format_utc(4102444799)) == std::optional<std::int64_t>(4102444799));
  CHECK_FALSE(parse_utc("2025-11-28T17:30:00+00:00"));
  CHECK_FALSE(parse_utc("2025-11-28 17:30:00Z"));
  CHECK_FALSE(parse_utc("2025-11-28T17:30:00"));
}

TEST_CASE("civil dates count days from 1970 and refuse dates that do not exist") {
  CHECK(days_from_civil(1970, 1, 1) == std::optional<std::int64_t>(0));
  CHECK(days_from_civil(2000, 3, 1) == std::optional<std::int64_t>(11017));
  CHECK(days_from_civil(1969, 12, 31) == std::optional<std::int64_t>(-1));
  CHECK(days_from_civil(2024, 2, 29));
  CHECK_FALSE(days_from_civil(2025, 2, 29));
  CHECK_FALSE(days_from_civil(2025, 0, 1));
  CHECK_FALSE(days_from_civil(2025, 4, 31));
}

TEST_CASE("ages are whole days, rounded toward zero") {
  CHECK(days_between("2026-11-20T09:00:00Z", "2026-11-28T12:00:00Z") == 8);
  CHECK(days_between("2026-11-28T09:00:00Z", "2026-11-28T12:00:00Z") == 0);
  CHECK(days_between("2024-02-28T12:00:00Z", "2024-03-01T12:00:00Z") == 2);
  CHECK(days_between("2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z") == 0);
  CHECK(days_between("2026-11-28T12:00:00Z", "2026-11-20T09:00:00Z") == -8);
  CHECK_FALSE(days_between("yesterday", "2026-11-28T12:00:00Z"));
}

TEST_CASE("the clock can be pinned for reproducible runs") {
  CHECK(utc_now("2026-11-28T17:30:00Z") == "2026-11-28T17:30:00Z");
  CHECK(parse_utc(utc_now()));
  CHECK(parse_utc(utc_now("")));
}
