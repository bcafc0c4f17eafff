#include "yaml/escapes.h"

#include "core/text.h"

namespace persona::yaml {

/// A control character no value may hold, however it is written: the ones find_text_fault()
/// refuses in a file (C0 and C1 controls but tab and line feed, and DEL), and a carriage return,
/// which a file can only hold as a line break. Only an escape in a double-quoted scalar can put
/// one there once the file passed find_text_fault(). (U+FEFF, refused raw past the start of a
/// file as a stray byte order mark, is text when escaped: a zero-width character like U+200B.)
std::optional<unsigned> forbidden_in_value(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return c;
      continue;
    }
    if (auto cp = code_point_at(v, i)) {
      if (cp->cp >= 0x80 && cp->cp <= 0x9F) return cp->cp;
      i += cp->len - 1;
    }
  }
  return std::nullopt;
}

/// The code point a double-quoted scalar's escape `\<c>...` stands for (`s` starts after the
/// backslash) and the escape's length after the backslash; nullopt for an escaped line break.
std::optional<std::pair<unsigned, std::size_t>> escape_at(std::string_view s) {
  if (s.empty()) return std::nullopt;
  static constexpr std::pair<char, unsigned> kSimple[] = {
      {'0', 0x00}, {'a', 0x07},  {'b', 0x08}, {'t', 0x09}, {'\t', 0x09},  {'n', 0x0A},
      {'v', 0x0B}, {'f', 0x0C},  {'r', 0x0D}, {'e', 0x1B}, {' ', 0x20},   {'"', 0x22},
      {'/', 0x2F}, {'\\', 0x5C}, {'N', 0x85}, {'_', 0xA0}, {'L', 0x2028}, {'P', 0x2029}};
  for (auto [c, cp] : kSimple)
    if (s[0] == c) return std::pair{cp, std::size_t{1}};
  std::size_t digits = s[0] == 'x' ? 2 : s[0] == 'u' ? 4 : s[0] == 'U' ? 8 : 0;
  if (digits == 0 || s.size() < digits + 1) return std::nullopt;
  unsigned cp = 0;
  for (std::size_t k = 1; k <= digits; ++k) {
    char h = s[k];
    int d = h >= '0' && h <= '9'   ? h - '0'
            : h >= 'a' && h <= 'f' ? h - 'a' + 10
            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                   : -1;
    if (d < 0) return std::nullopt;
    cp = cp * 16 + static_cast<unsigned>(d);
  }
  return std::pair{cp, digits + 1};
}

/// Where the first escape for `cp` is in the double-quoted scalar whose source starts at byte
/// `from` of `text`, at `start`; `start` itself when it is not found. `escape` gets its text.
Mark escape_mark(std::string_view text, std::size_t from, Mark start, unsigned cp,
                 std::string& escape) {
  Mark at{start.line, start.column + 1};  // just past the opening quote
  for (std::size_t i = from + 1; i < text.size() && text[i] != '"';) {
    char c = text[i];
    if (c == '\\') {
      auto e = escape_at(text.substr(i + 1));
      if (e && e->first == cp) {
        escape = std::string(text.substr(i, e->second + 1));
        return at;
      }
      std::size_t len = e ? e->second + 1 : 2;
      at.column += static_cast<int>(len);
      i += len;
      if (!e && i - 1 < text.size() && (text[i - 1] == '\n' || text[i - 1] == '\r')) {
        if (text[i - 1] == '\r' && i < text.size() && text[i] == '\n') ++i;
        at = Mark{at.line + 1, 1};
      }
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      at = Mark{at.line + 1, 1};
      continue;
    }
    auto point = code_point_at(text, i);
    std::size_t len = point ? point->len : 1;
    if (point && (point->cp == 0x2028 || point->cp == 0x2029)) {
      at = Mark{at.line + 1, 1};
    } else {
      ++at.column;
    }
    i += len;
  }
  return start;
}

}  // namespace persona::yaml
