#pragma once
/// The static website: an index of cards with search and filters, a page per app, per category
/// and per persona, and the search index as a script (assets/search-index.js) so search works
/// from file:// and any static host without fetching anything.
///
/// Every value from the library reaches a page through the templates' escaping ({{name}}) or as
/// *_html already made safe by commonmark.h; the search index goes through script_safe_json.
#include <string>

#include "render/context.h"
#include "render/templates.h"

namespace persona::render {

/// Sends every page and asset of the site to `out`. Persona pages have input keys.
void add_html_site(const RenderContext& ctx, const TemplateSet& templates, Sink& out);

/// One persona's page on its own (`persona render --format html`): the stylesheet inlined, no
/// script; links go to the published site when there is a base URL, else they are relative to
/// where the page sits in an export.
std::string standalone_persona_page(const RenderContext& ctx, const TemplateSet& templates,
                                    const Persona& p);

/// The content of assets/search-index.js.
std::string search_index_script(const RenderContext& ctx);

}  // namespace persona::render
