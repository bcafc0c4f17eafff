#pragma once
/// What the site's pages and its search index share: the words of each profile field of a
/// persona, read once (render/html.cpp makes the pages from them, render/search_index.cpp the
/// index's entries). The search index's own API is in html.h.
#include <string>
#include <vector>

#include "library/persona.h"

namespace persona::render {

/// The words of every profile field (markdown_text), in profile_fields() order; a list's items
/// joined by " · ".
using FieldTexts = std::vector<std::string>;
FieldTexts field_texts(const Persona& p);

/// A persona's searchable text, the "text" member of its search entry, as compact JSON.
std::string search_text_json_of(const FieldTexts& t);

}  // namespace persona::render
