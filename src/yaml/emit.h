#pragma once
/// YAML writing in one canonical form, with yaml-cpp's emitter (the only module that includes
/// yaml-cpp). Block mappings and sequences, 2-space indentation, literal block scalars for
/// multi-line text, plain scalars where they read back as the same string, double quotes
/// otherwise. The output is parsed back and compared before it is returned, so a value can
/// never be changed by writing it.
#include <string>
#include <vector>

#include "yaml/tree.h"

namespace persona::yaml {

/// Emits `root` after `header_lines` (comment lines written verbatim, e.g. the schema modeline).
/// Throws persona::Error if the emitted text would not read back as the same tree.
std::string emit(const Node& root, const std::vector<std::string>& header_lines = {});

/// emit() for a tree read from a file: a value that cannot be written so that it reads back the
/// same is reported (`text` unset, `problem` and `at`, the value's position in `root`) rather
/// than thrown.
struct Emitted {
  std::optional<std::string> text;
  std::string problem;
  Mark at;
};
Emitted try_emit(const Node& root, const std::vector<std::string>& header_lines = {});

/// True when two trees hold the same data (kinds, keys by their text, values, scalar types; a
/// null however spelled), ignoring positions and presentation.
bool same_data(const Node& a, const Node& b);

/// The comment lines at the very top of a file (before any content), kept by `fmt`, with the
/// blank lines between them. Lines end where a YAML reader ends them (LF, CRLF, CR, U+2028,
/// U+2029).
std::vector<std::string> leading_comments(std::string_view text);

/// Position of the first comment that is not part of the leading block, if any: canonical
/// rewriting would drop it, so `fmt` refuses such files rather than lose it.
std::optional<Mark> find_inner_comment(std::string_view text, const Node& root);

}  // namespace persona::yaml
