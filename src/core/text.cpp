#include "core/text.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace persona {

namespace {

enum class Utf8 { kOk, kBadLead, kBadSequence, kControl };

/// The character starting at t[i], a byte of 0x80 or more: its code point and length in bytes,
/// or what is wrong with it (a C1 control or a BOM after the start counts as a control).
Utf8 decode_at(std::string_view t, std::size_t i, unsigned& cp, std::size_t& len) {
  unsigned char c = static_cast<unsigned char>(t[i]);
  int n = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 1;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3;
    cp = c & 0x07;
  } else {
    return Utf8::kBadLead;
  }
  for (int k = 1; k <= n; ++k) {
    if (i + k >= t.size() || (static_cast<unsigned char>(t[i + k]) & 0xC0) != 0x80)
      return Utf8::kBadSequence;
    cp = (cp << 6) | (static_cast<unsigned char>(t[i + k]) & 0x3F);
  }
  bool overlong = (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return Utf8::kBadSequence;
  len = static_cast<std::size_t>(n) + 1;
  if ((cp >= 0x80 && cp <= 0x9F) || (cp == 0xFEFF && i != 0)) return Utf8::kControl;
  return Utf8::kOk;
}

/// The reference scan: finds the first fault and where it is.
std::optional<TextFault> locate_text_fault(std::string_view t) {
  int line = 1, col = 1;
  std::size_t i = 0;
  auto fault = [&](std::string what) { return TextFault{line, col, std::move(what)}; };
  char buf[64];
  while (i < t.size()) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (c < 0x80) {
      if (c == '\n') {
        ++line;
        col = 1;
        ++i;
        continue;
      }
      if (c == 0) return fault("NUL byte");
      if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
        std::snprintf(buf, sizeof buf, "control character U+%04X", c);
        return fault(buf);
      }
      ++i;
      ++col;
      continue;
    }
    unsigned cp = 0;
    std::size_t len = 0;
    switch (decode_at(t, i, cp, len)) {
      case Utf8::kBadLead:
        std::snprintf(buf, sizeof buf, "invalid UTF-8 byte 0x%02x", c);
        return fault(buf);
      case Utf8::kBadSequence:
        std::snprintf(buf, sizeof buf, "invalid UTF-8 sequence starting with byte 0x%02x", c);
        return fault(buf);
      case Utf8::kControl:
        std::snprintf(buf, sizeof buf, "control character U+%04X", cp);
        return fault(buf);
      case Utf8::kOk:
        break;
    }
    i += len;
    ++col;
  }
  return std::nullopt;
}

/// The number of bytes of `w`, from its low end (memory order on a little-endian host), that are
/// printable ASCII (0x20 to 0x7e) before the first that is not, up to 8. Bytes of 0x80 or more,
/// control characters (tab, LF and CR included) and DEL stop it. The borrows of the subtractions
/// can only mark bytes above a byte that really stops, so the lowest marked byte is exact.
int printable_prefix(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  std::uint64_t below_space = (w - kOnes * 0x20) & ~w;  // high bit set where a byte < 0x20
  std::uint64_t x = w ^ (kOnes * 0x7f);                 // zero byte where a byte is DEL
  std::uint64_t del = (x - kOnes) & ~x;
  std::uint64_t stop = (w | below_space | del) & kHigh;
  return stop == 0 ? 8 : __builtin_ctzll(stop) / 8;
}

}  // namespace

std::optional<TextFault> find_text_fault(std::string_view t) {
  // Most persona text is ASCII: skip 8 bytes at a time while all are printable, check the other
  // bytes one by one with the same rules as locate_text_fault, and let that function (which
  // counts lines and columns) report the first fault if there is one.
  const std::size_t size = t.size();
  const char* p = t.data();
  std::size_t i = 0;
  while (i < size) {
    if (i + 8 <= size) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
      if (int skip = printable_prefix(w)) {
        i += skip;
        continue;
      }
    }
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
        return locate_text_fault(t);
      ++i;
      continue;
    }
    unsigned cp = 0;
    std::size_t len = 0;
    if (decode_at(t, i, cp, len) != Utf8::kOk) return locate_text_fault(t);
    i += len;
  }
  return std::nullopt;
}

std::optional<CodePoint> code_point_at(std::string_view t, std::size_t i) {
  if (i >= t.size()) return std::nullopt;
  unsigned char c = static_cast<unsigned char>(t[i]);
  if (c < 0x80) return CodePoint{c, 1};
  CodePoint out;
  Utf8 r = decode_at(t, i, out.cp, out.len);
  if (r == Utf8::kOk || r == Utf8::kControl) return out;  // a C1 control is still a character
  return std::nullopt;
}

std::string slugify(std::string_view s) {
  std::string out;
  bool dash = false;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x80 && std::isalnum(c)) {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += static_cast<char>(std::tolower(c));
    } else {
      dash = true;
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && to_lower(s.substr(0, prefix.size())) == to_lower(prefix);
}

std::size_t utf8_length(std::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& cands) {
  if (word.size() > 200) return std::nullopt;
  std::string w = to_lower(word);
  std::optional<std::string> best;
  std::size_t best_d = 0;
  for (const auto& c : cands) {
    std::size_t d = edit_distance(w, to_lower(c));
    if (!best || d < best_d) {
      best = c;
      best_d = d;
    }
  }
  if (!best) return std::nullopt;
  // A clear prefix ("repo" for "repository") is a plausible abbreviation.
  if (best_d > 2 && w.size() >= 3) {
    for (const auto& c : cands)
      if (to_lower(c).rfind(w, 0) == 0) return c;
  }
  std::size_t limit = std::max<std::size_t>(2, std::min(word.size(), best->size()) / 3);
  if (best_d == 0 || best_d > limit) return std::nullopt;
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& cands) {
  auto n = nearest(word, cands);
  return n ? "did you mean '" + *n + "'?" : std::string();
}

std::string quote(std::string_view s, std::size_t max) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (chars == max) {
        out += "...";
        break;
      }
      ++chars;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return "'" + out + "'";
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    std::string_view l = text.substr(start, nl - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    start = nl + 1;
  }
  return lines;
}

}  // namespace persona
