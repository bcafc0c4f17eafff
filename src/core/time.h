#pragma once
/// Dates and times, the one place that reads and writes them: UTC timestamps as persona writes
/// them (2026-11-28T17:30:00Z), the date formats git accepts in GIT_AUTHOR_DATE, and day
/// arithmetic, all on <chrono>'s calendar types.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace persona {

/// A moment with the UTC offset it was written in.
struct ZonedTime {
  std::int64_t seconds = 0;  ///< since the epoch, UTC
  int offset_minutes = 0;    ///< east of UTC
};

/// Days since 1970-01-01 of a civil date; nullopt when the date does not exist (2026-02-30).
std::optional<std::int64_t> days_from_civil(int year, int month, int day);

/// Parses a date the way GIT_AUTHOR_DATE / GIT_COMMITTER_DATE accept it: "@1700000000 +0000",
/// "1700000000 +0100", ISO 8601 "2026-11-28T17:30:00Z", "2026-11-28T17:30:00+01:00",
/// "2026-11-28 17:30:00 +0100", RFC 2822 "Sat, 28 Nov 2026 17:30:00 +0000".
/// Returns nullopt for anything else.
std::optional<ZonedTime> parse_date(std::string_view text);

/// `seconds` since the epoch as 2026-11-28T17:30:00Z.
std::string format_utc(std::int64_t seconds);

/// Exactly 2026-11-28T17:30:00Z -> seconds since the epoch; nullopt otherwise.
std::optional<std::int64_t> parse_utc(std::string_view text);

/// Whole days from `from` to `to` (both as format_utc writes them), rounded toward zero;
/// nullopt if either is malformed.
std::optional<std::int64_t> days_between(std::string_view from, std::string_view to);

/// The current UTC time as format_utc writes it, or `override_value` when it is set and not
/// empty (PERSONA_NOW, for reproducible tests).
std::string utc_now(const char* override_value = nullptr);

}  // namespace persona
