#pragma once
/// The static website: an index of cards with search and filters, a page per app, per category
/// and per persona, and the search index as scripts (assets/search-index.js and its shards
/// assets/search/<k>.js) so search works from file:// and any static host without fetching
/// anything.
///
/// Every value from the library reaches a page through the templates' escaping ({{name}}) or as
/// *_html already made safe by commonmark.h; the search index goes through script_safe_json.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "render/commonmark.h"
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

/// The search index in files: assets/search-index.js (kSearchIndexPath) holds the fields and an
/// empty list of personas; each shard, assets/search/<k>.js, appends the entries of its personas
/// to that list, in pid order. index.html loads them all (its data lists the shards as
/// `search_shards`, each with its `src`). A persona's shard is a hash of its pid and the number
/// of shards depends only on the number of personas, so a change to one persona rewrites one
/// shard of about 200 entries, not an index of the whole library.
inline constexpr const char* kSearchIndexPath = "assets/search-index.js";
/// The number of shards for `personas` personas: the smallest power of two >= personas / 200,
/// at least 1.
std::size_t search_shard_count(std::size_t personas);
/// The shard of the persona `pid` among `shards` (FNV-1a of the pid).
std::size_t search_shard_of(std::string_view pid, std::size_t shards);
/// "assets/search/<k>.js".
std::string search_shard_path(std::size_t k);

/// Sends the search index (kSearchIndexPath and every shard) to `out`.
void add_search_index(const RenderContext& ctx, Sink& out);

// The site in parts, for an export that makes one persona at a time (render/stream.h): a
// persona's page, its card's text and its search entry need only the persona itself and the
// context; the lists need every persona's card text; the search index is search_index_script()
// and, for each shard, the shard's head, its entries joined by ',' and the tail.

/// The two texts of a persona's card that come from its fields.
struct CardText {
  std::string excerpt;  ///< the start of `identity`
  std::string aha;      ///< the first sentence of `aha_moment`
};
CardText card_text(const Persona& p);

/// Every pid linked to its page, from pages whose root is `root`.
std::map<std::string, MentionLink> mention_links(const RenderContext& ctx, const std::string& root);

/// A persona's page in the site; `mentions` from mention_links(ctx, "../").
std::string site_persona_page(const RenderContext& ctx, const TemplateSet& templates,
                              const Persona& p, const PersonaActivity& activity,
                              const std::map<std::string, MentionLink>& mentions);

/// A persona's page (site_persona_page), its card's text (card_text) and its search text
/// (search_text_json), from one parse of each field.
struct PersonaParts {
  std::string page;
  CardText card;
  std::string search_text;
};
PersonaParts site_persona_parts(const RenderContext& ctx, const TemplateSet& templates,
                                const Persona& p, const PersonaActivity& activity,
                                const std::map<std::string, MentionLink>& mentions);

/// index.html and the page of each app and category; `texts[i]` is the card text of
/// ctx.library.personas[i]. Each page's path is appended to `pages`. With `key_salt` (what else
/// the pages are made from: the templates), each page has an input key and may be kept; its key
/// is made from a digest of each member's card. With `digests` (one per persona), a non-empty
/// digest is taken as that persona's (the caller knows nothing it is made of changed), and the
/// empty ones are made and filled in.
void add_html_lists(const RenderContext& ctx, const TemplateSet& templates,
                    const std::vector<CardText>& texts, Sink& out, std::vector<std::string>& pages,
                    std::string_view key_salt = {}, std::vector<std::string>* digests = nullptr);

/// sitemap.xml (with a base URL; `pages` gets sorted) and the static assets.
void add_html_rest(const RenderContext& ctx, const TemplateSet& templates,
                   std::vector<std::string>& pages, Sink& out);

/// A persona's searchable text (the "text" member of its search entry), as compact JSON.
std::string search_text_json(const Persona& p);
/// A persona's entry in the search index, script-safe, made with `text_json` from search_text_json.
std::string search_entry(const RenderContext& ctx, const Persona& p, std::string_view text_json);
/// The content of kSearchIndexPath.
std::string search_index_script();
/// What comes, in a shard, before the first entry and after the last.
std::string search_shard_head();
std::string search_shard_tail();

}  // namespace persona::render
