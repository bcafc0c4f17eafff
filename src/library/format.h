#pragma once
/// Canonical form of persona files (`persona fmt`, and every file the tool writes).
#include <filesystem>
#include <optional>
#include <string>

#include "core/diagnostic.h"
#include "schema/schema.h"
#include "yaml/tree.h"

namespace persona {

/// The tree with top-level keys in schema order (unknown keys after, in their own order).
yaml::Node canonical_order(const yaml::Node& root, const schema::Schema& schema);

/// The editor modeline for a file at `rel_path` (relative to the library root).
std::string schema_modeline(const std::string& rel_path);

struct FormatResult {
  std::optional<std::string> text;  ///< canonical text; unset when the file cannot be formatted
  std::vector<Diagnostic> diagnostics;
};

/// Canonical text of a persona file. Leading comment lines are kept (a modeline is added when
/// there is none and `rel_path` is inside the library); a file with comments elsewhere, or
/// that does not parse, or with a value that cannot be written to read back the same
/// (`fmt-unrepresentable`), is refused with a diagnostic rather than losing anything.
/// `file_size`: the file's real size when `text` is only its first bytes (see read_file()).
FormatResult format_persona(const std::string& rel_path, const std::string& text,
                            const schema::Schema& schema, bool in_library,
                            std::size_t file_size = 0);

/// Writes `data` to `path` atomically (temporary file beside it, then rename).
void write_file_atomic(const std::filesystem::path& path, const std::string& data);

}  // namespace persona
