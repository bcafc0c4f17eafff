#pragma once
/// Text from persona files and from contributors is hostile until proven otherwise. These are
/// the rules for the plain-text channels (a terminal, a CI log, a commit header); the web
/// channels have theirs in render/escape.h, JSON its serializer's.
#include <string>
#include <string_view>

namespace persona {

/// Characters that change how the text around them is shown rather than showing themselves:
/// C0 and C1 controls and DEL, the bidirectional controls (U+061C, U+200E, U+200F,
/// U+202A-U+202E, U+2066-U+2069: the "Trojan Source" characters), zero-width characters
/// (U+200B-U+200D, U+2060, U+FEFF) and the line and paragraph separators U+2028 and U+2029.
bool is_invisible_control(unsigned cp);

/// `s` as a terminal or a log may show it, as git shows paths with core.quotePath: every
/// invisible control becomes a visible escape (\n, \r, \t, \e, \x07, \u{202E}), as does every
/// byte that is not UTF-8 (\xff), and a backslash stays itself. With `keep_lines`, LF and tab
/// stay as they are (multi-line text shown as such); CR is always escaped.
std::string terminal_safe(std::string_view s, bool keep_lines = false);

/// Why `name` cannot be a display name (a contribution's author), or "" when it can: one line,
/// valid UTF-8, no invisible control (is_invisible_control), not blank, at most 100 characters.
std::string display_name_problem(std::string_view name);

/// The most characters a display name may have.
inline constexpr std::size_t kMaxDisplayName = 100;

}  // namespace persona
