#pragma once
/// Control characters a YAML file may only hold through an escape of a double-quoted scalar:
/// which code points the reader refuses in a value, what an escape stands for, and where in the
/// source the escape is (for the diagnostic's position). Used by yaml/tree.cpp.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "yaml/tree.h"

namespace persona::yaml {

/// A control character no value may hold, however it is written: the ones find_text_fault()
/// refuses in a file (C0 and C1 controls but tab and line feed, and DEL), and a carriage return,
/// which a file can only hold as a line break. Only an escape in a double-quoted scalar can put
/// one there once the file passed find_text_fault(). (U+FEFF, refused raw past the start of a
/// file as a stray byte order mark, is text when escaped: a zero-width character like U+200B.)
std::optional<unsigned> forbidden_in_value(std::string_view v);

/// The code point a double-quoted scalar's escape `\<c>...` stands for (`s` starts after the
/// backslash) and the escape's length after the backslash; nullopt for an escaped line break.
std::optional<std::pair<unsigned, std::size_t>> escape_at(std::string_view s);

/// Where the first escape for `cp` is in the double-quoted scalar whose source starts at byte
/// `from` of `text`, at `start`; `start` itself when it is not found. `escape` gets its text.
Mark escape_mark(std::string_view text, std::size_t from, Mark start, unsigned cp,
                 std::string& escape);

}  // namespace persona::yaml
