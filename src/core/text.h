#pragma once
/// Small text helpers shared by every stage: UTF-8 checks, slugs, "did you mean" suggestions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace persona {

/// Position of the first byte that breaks the rules of a persona file: invalid UTF-8, NUL or
/// another control character (tab, LF and CR are allowed). 1-based line and column (characters).
struct TextFault {
  int line = 0;
  int column = 0;
  std::string what;  ///< e.g. "invalid UTF-8 byte 0xff", "control character U+0007"
};
std::optional<TextFault> find_text_fault(std::string_view text);

/// The code point of the UTF-8 character starting at t[i] and its length in bytes; nullopt
/// when the bytes there are not well-formed UTF-8 (a bad lead or continuation byte, an overlong
/// form, a surrogate, beyond U+10FFFF).
struct CodePoint {
  unsigned cp = 0;
  std::size_t len = 0;
};
std::optional<CodePoint> code_point_at(std::string_view t, std::size_t i);

/// Lowercase ASCII slug: runs of anything but [a-z0-9] become one '-', no '-' at either end.
std::string slugify(std::string_view s);

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool starts_with_icase(std::string_view s, std::string_view prefix);

/// Number of UTF-8 code points (for columns and lengths shown to people).
std::size_t utf8_length(std::string_view s);

/// Damerau-free Levenshtein distance, bytes.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word` if it is close enough to be a plausible typo.
std::optional<std::string> nearest(std::string_view word,
                                   const std::vector<std::string>& candidates);

/// "did you mean 'x'?" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// Quotes a subject for messages: 'value', shortened to `max` characters with "...".
std::string quote(std::string_view s, std::size_t max = 60);

/// Splits text into lines (without their terminators).
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace persona
