#pragma once
/// Markdown rendering of a persona (terminal `show`, `render --format md`, the Markdown export).
#include <string>

#include "library/persona.h"

namespace persona::render {

struct MarkdownOptions {
  bool front_matter = false;  ///< YAML front matter (pid, name, app, category, tags)
};

std::string persona_markdown(const Persona& p, const MarkdownOptions& options = {});

}  // namespace persona::render
