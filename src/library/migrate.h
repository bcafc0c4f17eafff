#pragma once
/// `persona migrate`: rewrites a persona file written in the earlier format into the published
/// one. The earlier format wrote the app as a slug (`app: segment`), `worldview` and `impact` as
/// text and `composability` as a list; the format writes the app's name (`app: Segment`), the
/// first two as lists and the last as text. Every value is kept: a text becomes one item per
/// paragraph, a list becomes bullet lines; each step says where it could not be exact.
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "schema/schema.h"

namespace persona {

/// One change made to a file, for the report: the key, what became of its value, and whether it
/// reads exactly as before once rendered.
struct MigrationStep {
  std::string key;     ///< "app", "worldview", ...
  std::string change;  ///< "'segment' became 'Segment'", "2 paragraphs became 2 items"
  /// What could not be kept as it was ("line breaks inside a paragraph became spaces"), "" when
  /// the value renders exactly as before.
  std::string inexact;
};

struct MigrationResult {
  /// The file's new canonical text; unset when it needs no migration or cannot be rewritten.
  std::optional<std::string> text;
  std::vector<MigrationStep> steps;
  /// Why the file cannot be migrated (it does not parse, or has a comment that rewriting would
  /// lose), as fmt reports it.
  std::vector<Diagnostic> diagnostics;
};

/// Migrates the persona file `rel_path` holding `text`; see the file comment. A file already in
/// the format gets no text and no steps. `in_library` adds the schema modeline when the file has
/// no header comment, as fmt does.
MigrationResult migrate_persona(const std::string& rel_path, const std::string& text,
                                const schema::Schema& schema, bool in_library,
                                std::size_t file_size = 0);

/// The items a text of the earlier format becomes: one per paragraph (blank-line separated),
/// each paragraph's soft line breaks made spaces unless it holds Markdown blocks (a list, a
/// quote, a heading, code) whose lines must stay lines. `joined` is set when a break became a
/// space.
std::vector<std::string> paragraphs_to_items(const std::string& text, bool* joined = nullptr);

/// The text a list of the earlier format becomes: one Markdown bullet line ("- item") per item,
/// an item's own further lines indented under it.
std::string items_to_bullets(const std::vector<std::string>& items);

}  // namespace persona
