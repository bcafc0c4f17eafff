#include "core/untrusted.h"

#include <cstdio>

#include "core/text.h"

namespace persona {

bool is_invisible_control(unsigned cp) {
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;
  if (cp == 0x061c || cp == 0x200e || cp == 0x200f) return true;  // bidi marks
  if (cp >= 0x202a && cp <= 0x202e) return true;                  // bidi embeddings, overrides
  if (cp >= 0x2066 && cp <= 0x2069) return true;                  // bidi isolates
  if ((cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff) return true;  // zero width
  return cp == 0x2028 || cp == 0x2029;
}

std::string terminal_safe(std::string_view s, bool keep_lines) {
  std::string out;
  out.reserve(s.size());
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    auto c = code_point_at(s, i);
    if (!c) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
      continue;
    }
    std::string_view bytes = s.substr(i, c->len);
    i += c->len;
    if (!is_invisible_control(c->cp) || (keep_lines && (c->cp == '\n' || c->cp == '\t'))) {
      out += bytes;
      continue;
    }
    switch (c->cp) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case 0x1b:
        out += "\\e";
        break;
      default:
        std::snprintf(buf, sizeof buf, c->cp < 0x80 ? "\\x%02x" : "\\u{%04X}", c->cp);
        out += buf;
    }
  }
  return out;
}

std::string display_name_problem(std::string_view name) {
  if (trim(name).empty()) return "the name is empty";
  for (std::size_t i = 0; i < name.size();) {
    auto c = code_point_at(name, i);
    if (!c) return "the name is not valid UTF-8";
    if (c->cp == '\n' || c->cp == '\r' || c->cp == 0x2028 || c->cp == 0x2029)
      return "the name is more than one line";
    if (is_invisible_control(c->cp)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "the name holds the invisible control character U+%04X",
                    c->cp);
      return buf;
    }
    i += c->len;
  }
  std::size_t n = utf8_length(name);
  if (n > kMaxDisplayName)
    return "the name is " + std::to_string(n) + " characters long, over the limit of " +
           std::to_string(kMaxDisplayName);
  return {};
}

}  // namespace persona
