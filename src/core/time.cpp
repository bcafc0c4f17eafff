#include "core/time.h"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "core/text.h"

namespace persona {

namespace chr = std::chrono;

std::optional<std::int64_t> days_from_civil(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  chr::year_month_day ymd{chr::year{year}, chr::month{static_cast<unsigned>(month)},
                          chr::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return chr::sys_days{ymd}.time_since_epoch().count();
}

namespace {

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  void spaces() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  bool lit(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  std::optional<long long> digits(std::size_t min, std::size_t max) {
    std::size_t start = i;
    long long v = 0;
    while (i < s.size() && i - start < max && std::isdigit(static_cast<unsigned char>(s[i])))
      v = v * 10 + (s[i++] - '0');
    if (i - start < min) return std::nullopt;
    return v;
  }
  /// "Z", "+0100", "+01:00", "-0530"; minutes east of UTC.
  std::optional<int> zone() {
    if (lit('Z') || lit('z')) return 0;
    int sign = 0;
    if (lit('+'))
      sign = 1;
    else if (lit('-'))
      sign = -1;
    else
      return std::nullopt;
    auto hh = digits(2, 2);
    if (!hh) return std::nullopt;
    lit(':');
    auto mm = digits(2, 2);
    if (!mm || *hh > 14 || *mm > 59) return std::nullopt;
    return sign * static_cast<int>(*hh * 60 + *mm);
  }
};

/// A civil date and time of day in zone `z` (minutes east of UTC) as a ZonedTime.
std::optional<ZonedTime> zoned(long long y, long long mo, long long d, long long hh, long long mi,
                               long long ss, int z) {
  if (hh > 23 || mi > 59 || ss > 60) return std::nullopt;
  auto days = days_from_civil(static_cast<int>(y), static_cast<int>(mo), static_cast<int>(d));
  if (!days) return std::nullopt;
  return ZonedTime{*days * 86400 + hh * 3600 + mi * 60 + ss - std::int64_t{z} * 60, z};
}

/// "@1700000000 +0000" or "1700000000 +0000" (epoch, then an optional zone).
std::optional<ZonedTime> parse_raw(Cursor r) {
  r.lit('@');
  auto secs = r.digits(9, 12);
  if (!secs) return std::nullopt;
  r.spaces();
  std::optional<int> z = r.done() ? std::optional<int>(0) : r.zone();
  if (!z || !r.done()) return std::nullopt;
  return ZonedTime{*secs, *z};
}

/// RFC 2822: "Sat, 28 Nov 2026 17:30:00 +0000".
std::optional<ZonedTime> parse_rfc2822(Cursor r) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (r.s.size() <= 5 || !std::isalpha(static_cast<unsigned char>(r.s[0]))) return std::nullopt;
  while (!r.done() && r.s[r.i] != ',') ++r.i;
  if (!r.lit(',')) return std::nullopt;
  r.spaces();
  auto d = r.digits(1, 2);
  r.spaces();
  int mon = 0;
  for (int k = 0; k < 12; ++k)
    if (r.s.substr(r.i, 3) == kMonths[k]) mon = k + 1;
  if (!d || !mon) return std::nullopt;
  r.i += 3;
  r.spaces();
  auto y = r.digits(4, 4);
  r.spaces();
  auto hh = r.digits(2, 2);
  if (!y || !hh || !r.lit(':')) return std::nullopt;
  auto mi = r.digits(2, 2);
  if (!mi || !r.lit(':')) return std::nullopt;
  auto ss = r.digits(2, 2);
  if (!ss) return std::nullopt;
  r.spaces();
  auto z = r.zone();
  if (!z || !r.done()) return std::nullopt;
  return zoned(*y, mon, *d, *hh, *mi, *ss, *z);
}

/// ISO 8601: "2026-11-28T17:30:00Z", "2026-11-28T17:30:00+01:00", "2026-11-28 17:30:00 +0100".
std::optional<ZonedTime> parse_iso(Cursor c) {
  auto y = c.digits(4, 4);
  if (!y || !c.lit('-')) return std::nullopt;
  auto mo = c.digits(2, 2);
  if (!mo || !c.lit('-')) return std::nullopt;
  auto d = c.digits(2, 2);
  if (!d || !(c.lit('T') || c.lit(' '))) return std::nullopt;
  auto hh = c.digits(2, 2);
  if (!hh || !c.lit(':')) return std::nullopt;
  auto mi = c.digits(2, 2);
  if (!mi || !c.lit(':')) return std::nullopt;
  auto ss = c.digits(2, 2);
  if (!ss) return std::nullopt;
  c.spaces();
  std::optional<int> z = c.done() ? std::optional<int>(0) : c.zone();
  if (!z || !c.done()) return std::nullopt;
  return zoned(*y, *mo, *d, *hh, *mi, *ss, *z);
}

}  // namespace

std::optional<ZonedTime> parse_date(std::string_view text) {
  Cursor c{trim(text)};
  if (c.s.empty()) return std::nullopt;
  if (auto t = parse_raw(c)) return t;
  if (auto t = parse_rfc2822(c)) return t;
  return parse_iso(c);
}

std::string format_utc(std::int64_t seconds) {
  chr::sys_seconds t{chr::seconds{seconds}};
  auto day = chr::floor<chr::days>(t);
  chr::year_month_day ymd{day};
  chr::hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<std::int64_t> parse_utc(std::string_view text) {
  if (text.size() != 20 || text[10] != 'T' || text[19] != 'Z') return std::nullopt;
  auto t = parse_iso(Cursor{text});
  if (!t) return std::nullopt;
  return t->seconds;
}

std::optional<std::int64_t> days_between(std::string_view from, std::string_view to) {
  auto a = parse_utc(from), b = parse_utc(to);
  if (!a || !b) return std::nullopt;
  std::int64_t diff = *b - *a;
  return diff >= 0 ? diff / 86400 : -((-diff) / 86400);
}

std::string utc_now(const char* override_value) {
  if (override_value && *override_value) return override_value;
  auto now = chr::floor<chr::seconds>(chr::system_clock::now());
  return format_utc(now.time_since_epoch().count());
}

}  // namespace persona
