#pragma once
/// Markdown output: a persona for the terminal (`show`), for `render --format md`, and the
/// Markdown export (one file per persona plus README.md as the index), all with GitHub in mind.
/// Profile fields and comments are Markdown already: the export keeps their Markdown but makes
/// it safe (markdown_safe: raw HTML shown as text, only http, https and mailto links), so its
/// files can be opened in a viewer that allows HTML; `show` prints them as written. Metadata
/// (names, authors) is escaped so it cannot turn into markup.
#include <string>

#include "library/persona.h"
#include "library/records.h"
#include "render/context.h"

namespace persona::render {

struct MarkdownOptions {
  bool front_matter = false;  ///< YAML front matter (pid, name, app, category, tags, version)
  /// Community figures: a line under each section that has any, and the comments at the end.
  const PersonaActivity* activity = nullptr;
  bool escape_metadata = false;  ///< backslash-escape Markdown syntax in the name and metadata
  bool safe_text = false;        ///< fields and comments through markdown_safe()
  std::string index_href;        ///< a link back to the index when set
  std::string contribute_href;   ///< a "contribute" link when set
};

std::string persona_markdown(const Persona& p, const MarkdownOptions& options = {});

/// A persona as the Markdown export writes it (and `render --format md` prints it).
std::string persona_markdown_document(const RenderContext& ctx, const Persona& p);

/// README.md of the Markdown export: front matter and a table of every persona.
std::string index_markdown(const RenderContext& ctx);

/// Sends README.md and every personas/<pid>.md (with input keys) to `out`.
void add_markdown_export(const RenderContext& ctx, Sink& out);

}  // namespace persona::render
