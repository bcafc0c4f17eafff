#pragma once
/// The hostile-string set every output channel's test sends through its escaping function:
/// tests/data/hostile-strings.json (controls, separators, bidi and zero-width characters,
/// workflow commands, script and comment ends, dangerous URL spellings, Markdown syntax, a very
/// long line). The end-to-end suites read the same file.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support.h"

namespace persona::test {

struct Hostile {
  std::string name;
  std::string text;
};

inline const std::vector<Hostile>& hostile_strings() {
  static const std::vector<Hostile> kAll = [] {
    std::vector<Hostile> out;
    auto j = nlohmann::json::parse(
        slurp(std::string(PERSONA_SOURCE_DIR) + "/tests/data/hostile-strings.json"));
    for (const auto& e : j)
      out.push_back({e["name"].get<std::string>(), e["text"].get<std::string>()});
    return out;
  }();
  return kAll;
}

/// The first byte or character a terminal would act on rather than show (a C0 or C1 control
/// other than the allowed LF, a bidi or zero-width character, a line separator), or "" when
/// there is none. With `allow_lines`, LF and tab are allowed.
inline std::string first_invisible(std::string_view s, bool allow_lines) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c == '\n' || c == '\t') && allow_lines) continue;
    if (c < 0x20 || c == 0x7f) return "byte " + std::to_string(c) + " at " + std::to_string(i);
    for (const char* seq : {"\xC2\x85", "\xC2\x9B", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAE",
                            "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9",
                            "\xE2\x80\x8B", "\xE2\x80\x8C", "\xE2\x80\x8D", "\xE2\x80\x8E",
                            "\xE2\x80\x8F", "\xD8\x9C", "\xE2\x81\xA0", "\xEF\xBB\xBF"})
      if (s.substr(i, std::char_traits<char>::length(seq)) == seq)
        return "character " + std::string(seq) + " at " + std::to_string(i);
  }
  return {};
}

}  // namespace persona::test
