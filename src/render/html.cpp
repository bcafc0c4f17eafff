#include "render/html.h"

#include <algorithm>
#include <functional>

#include "core/text.h"
#include "render/commonmark.h"
#include "render/escape.h"
#include "render/sha1.h"

namespace persona::render {

namespace {

using json = nlohmann::json;

constexpr const char* kSiteCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'self'";
constexpr const char* kStandaloneCsp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'";

/// One of eight colours per app, the same on every page and in every export.
std::string hue_class(const std::string& app) {
  return "hue-" + std::to_string(std::stoul(blob_id(app).substr(0, 4), nullptr, 16) % 8);
}

std::string text_field(const Persona& p, const std::string& name) {
  auto it = p.text.find(name);
  return it == p.text.end() ? "" : it->second;
}

/// Fields shared by every page: the library, where the root is, and the page's own address.
json page_base(const RenderContext& ctx, const std::string& page, const std::string& title,
               const std::string& description, bool standalone = false) {
  const Config& c = ctx.library.config;
  // A standalone page is read outside the site: its links go to the published site if any.
  std::string root = standalone && !ctx.base_url.empty() ? ctx.base_url : root_prefix(page);
  json j;
  j["site"] = {{"name", c.name},
               {"description", c.description},
               {"has_description", !c.description.empty()},
               {"repository", c.repository},
               {"has_repository", !c.repository.empty() && is_safe_url(c.repository)}};
  j["root"] = root;
  j["home_href"] = root + "index.html";
  j["css_href"] = root + "assets/site.css";
  j["favicon_href"] = root + "assets/favicon.svg";
  j["search_action"] = root + "index.html";
  j["title"] = title;
  j["description"] = description;
  j["csp"] = kSiteCsp;
  j["inline_css"] = false;
  j["show_search"] = !standalone;
  j["has_canonical"] = !ctx.base_url.empty();
  j["canonical"] = ctx.base_url.empty() ? "" : ctx.base_url + page;
  return j;
}

std::string excerpt(const Persona& p, std::size_t chars) {
  return shorten(markdown_text(text_field(p, "identity")), chars);
}

}  // namespace

CardText card_text(const Persona& p) {
  return CardText{excerpt(p, 280), first_sentence(markdown_text(text_field(p, "aha_moment")), 220)};
}

namespace {

json card(const RenderContext& ctx, const Persona& p, const CardText& text, long long comments,
          const std::string& root) {
  json tags = json::array();
  std::string tags_attr;
  for (const auto& t : p.tags) {
    tags.push_back({{"tag", t}});
    tags_attr += (tags_attr.empty() ? "" : " ") + t;
  }
  return {
      {"pid", p.pid},
      {"name", p.name},
      {"href", root + ctx.paths.persona(p.pid, ".html")},
      {"app", p.app},
      {"app_name", ctx.app_name(p.app)},
      {"app_href", root + ctx.paths.app(p.app)},
      {"hue", hue_class(p.app)},
      {"category", p.category},
      {"category_name", humanize(p.category)},
      {"category_href", root + ctx.paths.category(p.category)},
      {"tags", tags},
      {"tags_attr", tags_attr},
      {"has_comments", comments > 0},
      {"comments_text", plural(comments, "comment", "comments")},
      {"excerpt", text.excerpt},
      {"aha", text.aha},
  };
}

/// Apps, categories or tags with their counts, for filters and "browse" lists.
json facet(const std::map<std::string, std::pair<std::string, int>>& items,
           const std::function<std::string(const std::string&)>& href) {
  json out = json::array();
  for (const auto& [value, named] : items) {
    json j = {{"value", value}, {"label", named.first}, {"count", std::to_string(named.second)}};
    if (href) j["href"] = href(value);
    out.push_back(j);
  }
  return out;
}

json field_stats(const FieldActivity& f) {
  json stats = json::array();
  auto add = [&](const char* kind, int n, const char* one, const char* many, const char* title) {
    if (n > 0) stats.push_back({{"kind", kind}, {"text", plural(n, one, many)}, {"title", title}});
  };
  add("confirm", f.confirmations, "confirmation", "confirmations",
      "People who confirmed the text as it reads now");
  add("correct", f.corrections, "correction", "corrections", "Corrections proposed to this field");
  add("extend", f.extensions, "extension", "extensions", "Additions proposed to this field");
  add("comment", f.comments, "comment", "comments", "Comments on this field");
  add("earlier", f.earlier_confirmations, "confirmation of an earlier version",
      "confirmations of earlier versions", "Confirmations of text that has since changed");
  return stats;
}

json contribute_links(const RenderContext& ctx, const Persona& p, const std::string& field,
                      const std::string& label) {
  static const std::pair<const char*, const char*> kKinds[] = {
      {"confirm", "Confirm it matches your experience"},
      {"correct", "Suggest a correction"},
      {"extend", "Add something missing"},
  };
  json out = json::array();
  for (const auto& [kind, text] : kKinds) {
    std::string url = contribute_url(ctx.library.config, p.pid, field, kind);
    if (url.empty()) return json::array();
    out.push_back({{"kind", kind}, {"text", text}, {"href", url},
                   {"aria", std::string(text) + ": " + label}});
  }
  return out;
}

json persona_page_data(const RenderContext& ctx, const TemplateSet& templates, const Persona& p,
                       const PersonaActivity& a, const std::map<std::string, MentionLink>& mentions,
                       bool standalone) {
  std::string page = ctx.paths.persona(p.pid, ".html");
  json j = page_base(ctx, page, p.name + " · " + ctx.library.config.name, excerpt(p, 160), standalone);
  std::string root = j["root"].get<std::string>();
  if (standalone) {
    j["csp"] = kStandaloneCsp;
    j["inline_css"] = true;
    j["css_html"] = templates.text("site.css");
  }
  json tags = json::array();
  for (const auto& t : p.tags)
    tags.push_back({{"tag", t}, {"href", root + "index.html?tag=" + url_encode(t)}});
  j["persona"] = card(ctx, p, card_text(p), static_cast<long long>(a.comments.size()), root);
  j["persona"]["tags"] = tags;
  j["persona"]["version"] = std::to_string(p.version);
  j["persona"]["archetype"] = p.archetype();

  json sections = json::array();
  HtmlOptions md;
  md.heading_offset = 2;
  md.mentions = &mentions;
  for (const auto& def : profile_fields()) {
    std::string name(def.name), label(def.label);
    json s = {{"id", name}, {"label", label}, {"is_list", def.kind == FieldKind::kList}};
    if (def.kind == FieldKind::kText) {
      s["body_html"] = markdown_html(text_field(p, name), md);
    } else {
      std::string items;
      auto it = p.lists.find(name);
      HtmlOptions item_md = md;
      item_md.unwrap_paragraph = true;
      if (it != p.lists.end())
        for (const auto& item : it->second) items += "<li>" + markdown_html(item, item_md) + "</li>\n";
      s["body_html"] = "<ul>\n" + items + "</ul>\n";
    }
    auto fit = a.fields.find(name);
    FieldActivity none;
    const FieldActivity& f = fit == a.fields.end() ? none : fit->second;
    json stats = field_stats(f);
    s["stats"] = stats;
    s["has_stats"] = !stats.empty();
    s["has_last_activity"] = !f.last_activity.empty();
    s["last_activity"] = date_of(f.last_activity);
    s["last_activity_time"] = f.last_activity;
    json links = contribute_links(ctx, p, name, label);
    s["contribute"] = links;
    s["has_contribute"] = !links.empty();
    sections.push_back(s);
  }
  j["sections"] = sections;

  json comments = json::array();
  HtmlOptions comment_md;
  comment_md.heading_offset = 3;
  comment_md.mentions = &mentions;
  for (const Record* r : a.comments) {
    json c = {{"id", "comment-" + r->id},
              {"author", r->author},
              {"date", date_of(r->time)},
              {"time", r->time},
              {"body_html", markdown_html(r->text, comment_md)}};
    auto path = r->field.empty() ? std::nullopt : parse_field_path(r->field, nullptr);
    const FieldDef* def = path ? find_field(path->field) : nullptr;
    c["has_field"] = def != nullptr;
    if (def) {
      c["field_label"] = std::string(def->label) + (path->item ? " " + std::to_string(*path->item) : "");
      c["field_href"] = "#" + std::string(def->name);
    }
    comments.push_back(c);
  }
  j["comments"] = comments;
  j["has_comments"] = !comments.empty();
  j["comments_heading"] = comments.empty() ? "Comments" : plural(static_cast<long long>(comments.size()), "comment", "comments");
  std::string comment_url = contribute_url(ctx.library.config, p.pid, "", "comment");
  j["has_comment_link"] = !comment_url.empty();
  j["comment_href"] = comment_url;

  json summary = json::array();
  if (a.total() > 0) {
    summary.push_back({{"text", plural(a.total(), "contribution", "contributions")}});
    summary.push_back({{"text", "from " + plural(static_cast<long long>(a.contributors.size()), "person", "people")}});
  }
  j["summary"] = summary;
  j["has_activity"] = a.total() > 0;
  j["last_activity"] = date_of(a.last_activity);
  j["last_activity_time"] = a.last_activity;
  j["contribute_enabled"] = !contribute_url(ctx.library.config, p.pid, "identity", "confirm").empty();
  return j;
}

/// The card list of a page: a marker in place of each card's HTML, replaced by the card when the
/// page is written, so a page listing every persona never holds all their cards several times
/// over (in the data, in the template's copy of it and in the output). A marker holds '<', which
/// escaping would change: a template that shows card_html escaped then does not match, and the
/// page is rendered with the cards in place instead.
std::string card_marker(std::size_t i) { return "<\x1e" + std::to_string(i) + "\x1e>"; }

json card_list(std::size_t count, const std::function<std::string(std::size_t)>& html) {
  json out = json::array();
  for (std::size_t i = 0; i < count; ++i) out.push_back({{"card_html", html(i)}});
  return out;
}

json index_data(const RenderContext& ctx, json cards) {
  const auto& lib = ctx.library;
  json j = page_base(ctx, "index.html", lib.config.name, lib.config.description);
  j["show_search"] = false;  // the index has its own search box
  std::map<std::string, std::pair<std::string, int>> apps, cats, tags;
  for (const auto& p : lib.personas) {
    auto& a = apps[p.app];
    a.first = ctx.app_name(p.app);
    ++a.second;
    auto& c = cats[p.category];
    c.first = humanize(p.category);
    ++c.second;
    for (const auto& t : p.tags) {
      auto& tg = tags[t];
      tg.first = t;
      ++tg.second;
    }
  }
  j["cards"] = std::move(cards);
  j["apps"] = facet(apps, [&](const std::string& v) { return ctx.paths.app(v); });
  j["categories"] = facet(cats, [&](const std::string& v) { return ctx.paths.category(v); });
  j["tags"] = facet(tags, nullptr);
  j["persona_count"] = std::to_string(lib.personas.size());
  j["persona_count_text"] = plural(static_cast<long long>(lib.personas.size()), "persona", "personas");
  j["app_count_text"] = plural(static_cast<long long>(apps.size()), "app", "apps");
  j["contribution_count_text"] = plural(static_cast<long long>(lib.records.size()), "contribution", "contributions");
  std::string contribute = contribute_url(lib.config, "", "", "");
  j["has_contribute"] = !contribute.empty();
  j["contribute_href"] = contribute;
  return j;
}

json group_data(const RenderContext& ctx, const std::string& page, const std::string& kind,
                const std::string& title, std::size_t members, json cards) {
  json j = page_base(ctx, page, title + " personas · " + ctx.library.config.name,
                     plural(static_cast<long long>(members), "persona", "personas") + " for " + title);
  j["kind"] = kind;
  j["heading"] = title;
  j["count_text"] = plural(static_cast<long long>(members), "persona", "personas");
  j["cards"] = std::move(cards);
  return j;
}

/// Renders `name` with the cards of `members` (indexes into the library's personas) and sends it
/// to `out`: through markers and pieces when the template shows each card once, in order.
void list_page(const TemplateSet& templates, const std::string& name, const std::string& path,
               const std::vector<std::size_t>& members,
               const std::function<json(json)>& data, const std::function<std::string(std::size_t)>& card_html,
               const std::string& key, Sink& out) {
  if (!key.empty() && out.reuse(path, key)) return;
  std::string marked = templates.render(
      name, data(card_list(members.size(), [&](std::size_t i) { return card_marker(i); })));
  std::vector<std::pair<std::size_t, std::size_t>> at;  // (offset, length) of each marker
  std::size_t from = 0;
  for (std::size_t i = 0; i < members.size(); ++i) {
    std::string m = card_marker(i);
    std::size_t pos = marked.find(m, from);
    if (pos == std::string::npos) break;
    at.emplace_back(pos, m.size());
    from = pos + m.size();
  }
  if (at.size() != members.size() || marked.find("<\x1e", from) != std::string::npos) {
    out.file(path, templates.render(name, data(card_list(members.size(), [&](std::size_t i) {
                                                  return card_html(members[i]);
                                                }))),
             key);
    return;
  }
  out.file_pieces(path, std::nullopt, key, [&](const Piece& put) {
    std::size_t done = 0;
    for (std::size_t i = 0; i < at.size(); ++i) {
      put(std::string_view(marked).substr(done, at[i].first - done));
      put(card_html(members[i]));
      done = at[i].first + at[i].second;
    }
    put(std::string_view(marked).substr(done));
  });
}

std::string sitemap(const RenderContext& ctx, const std::vector<std::string>& pages) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& path : pages) out += "  <url><loc>" + html_escape(ctx.base_url + path) + "</loc></url>\n";
  return out + "</urlset>\n";
}

using ojson = nlohmann::ordered_json;

std::string dump_json(const ojson& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::map<std::string, MentionLink> mention_links(const RenderContext& ctx, const std::string& root) {
  std::map<std::string, MentionLink> out;
  for (const auto& other : ctx.library.personas)
    out[other.pid] = MentionLink{root + ctx.paths.persona(other.pid, ".html"), other.name};
  return out;
}

std::string site_persona_page(const RenderContext& ctx, const TemplateSet& templates, const Persona& p,
                              const PersonaActivity& a, const std::map<std::string, MentionLink>& mentions) {
  return templates.render("persona.mustache", persona_page_data(ctx, templates, p, a, mentions, false));
}

void add_html_lists(const RenderContext& ctx, const TemplateSet& templates,
                    const std::vector<CardText>& texts, Sink& out, std::vector<std::string>& pages,
                    std::string_view key_salt) {
  const auto& personas = ctx.library.personas;
  auto comments = [&](const Persona& p) { return static_cast<long long>(ctx.activity_of(p.pid).comments.size()); };
  auto card_html = [&](std::size_t i, const std::string& root) {
    return templates.render("_card.mustache", card(ctx, personas[i], texts[i], comments(personas[i]), root));
  };
  // With a salt, each list page gets an input key: everything its cards show of each member,
  // and the settings. A page whose key did not change is kept without rendering its cards.
  std::vector<std::string> digests;
  if (!key_salt.empty()) {
    digests.reserve(personas.size());
    for (std::size_t i = 0; i < personas.size(); ++i) {
      const Persona& p = personas[i];
      std::string in;
      for (const std::string& v :
           {p.pid, p.name, p.app, ctx.app_name(p.app), p.category, std::to_string(p.tags.size()),
            std::to_string(comments(p)), texts[i].excerpt, texts[i].aha, ctx.paths.persona(p.pid, ""),
            ctx.paths.app(p.app), ctx.paths.category(p.category)})
        in += std::to_string(v.size()) + ":" + v + "\n";
      for (const auto& t : p.tags) in += std::to_string(t.size()) + ":" + t + "\n";
      digests.push_back(blob_id(in));
    }
  }
  auto key = [&](const std::string& path, const std::vector<std::size_t>& members) -> std::string {
    if (key_salt.empty()) return {};
    const Config& c = ctx.library.config;
    std::string in;
    for (const std::string& v : {std::string(key_salt), c.name, c.description, c.repository, c.contribute_url,
                                 ctx.base_url, std::to_string(ctx.library.records.size()), path,
                                 std::to_string(members.size())})
      in += std::to_string(v.size()) + ":" + v + "\n";
    for (std::size_t m : members) in += digests[m];
    return blob_id(in);
  };
  std::vector<std::size_t> all(personas.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  pages.push_back("index.html");
  list_page(templates, "index.mustache", "index.html", all,
            [&](json cards) { return index_data(ctx, std::move(cards)); },
            [&](std::size_t i) { return card_html(i, ""); }, key("index.html", all), out);
  std::map<std::string, std::vector<std::size_t>> by_app, by_category;
  for (std::size_t i = 0; i < personas.size(); ++i) {
    by_app[personas[i].app].push_back(i);
    by_category[personas[i].category].push_back(i);
  }
  auto group = [&](const std::string& path, const char* kind, const std::string& title,
                   const std::vector<std::size_t>& members) {
    pages.push_back(path);
    list_page(templates, "group.mustache", path, members,
              [&](json cards) { return group_data(ctx, path, kind, title, members.size(), std::move(cards)); },
              [&](std::size_t i) { return card_html(i, "../"); }, key(path, members), out);
  };
  for (const auto& [app, members] : by_app) group(ctx.paths.app(app), "App", ctx.app_name(app), members);
  for (const auto& [cat, members] : by_category) group(ctx.paths.category(cat), "Category", humanize(cat), members);
}

void add_html_rest(const RenderContext& ctx, const TemplateSet& templates, std::vector<std::string>& pages,
                   Sink& out) {
  std::sort(pages.begin(), pages.end());
  if (!ctx.base_url.empty()) out.file("sitemap.xml", sitemap(ctx, pages));
  for (const auto& name : templates.assets()) out.file("assets/" + name, templates.text(name));
}

std::string search_text_json(const Persona& p) {
  ojson text = ojson::object();
  for (const auto& def : profile_fields()) {
    std::string name(def.name);
    if (def.kind == FieldKind::kText) {
      text[name] = markdown_text(text_field(p, name));
    } else {
      std::string joined;
      auto it = p.lists.find(name);
      if (it != p.lists.end())
        for (const auto& item : it->second) joined += (joined.empty() ? "" : " · ") + markdown_text(item);
      text[name] = joined;
    }
  }
  return dump_json(text);
}

std::string search_entry(const RenderContext& ctx, const Persona& p, std::string_view text_json) {
  ojson entry;
  entry["pid"] = p.pid;
  entry["name"] = p.name;
  entry["href"] = ctx.paths.persona(p.pid, ".html");
  entry["app"] = p.app;
  entry["app_name"] = ctx.app_name(p.app);
  entry["category"] = p.category;
  entry["tags"] = p.tags;
  // As if "text" were the last member of `entry`: dump() writes members in order, compactly.
  std::string out = dump_json(entry);
  out.pop_back();
  out += ",\"text\":";
  out += text_json;
  out += '}';
  return script_safe_json(out);
}

std::string search_index_head() {
  ojson fields = ojson::array();
  for (const auto& def : profile_fields())
    fields.push_back({{"name", std::string(def.name)}, {"label", std::string(def.label)}});
  return "// Generated by persona export: the search index of the site.\n"
         "window.PERSONA_SEARCH = " + script_safe_json("{\"fields\":" + dump_json(fields) + ",\"personas\":[");
}

std::string search_index_tail() { return "]};\n"; }

std::string search_index_script(const RenderContext& ctx) {
  // Built persona by persona: the index of a large library is never one big JSON tree.
  std::string data = search_index_head();
  bool first = true;
  for (const auto& p : ctx.library.personas) {
    if (!first) data += ',';
    data += search_entry(ctx, p, search_text_json(p));
    first = false;
  }
  return data + search_index_tail();
}

std::string standalone_persona_page(const RenderContext& ctx, const TemplateSet& templates,
                                    const Persona& p) {
  std::string page = ctx.paths.persona(p.pid, ".html");
  std::string root = ctx.base_url.empty() ? root_prefix(page) : ctx.base_url;
  return templates.render("persona.mustache", persona_page_data(ctx, templates, p, ctx.activity_of(p.pid),
                                                                mention_links(ctx, root), true));
}

void add_html_site(const RenderContext& ctx, const TemplateSet& templates, Sink& out) {
  const auto& lib = ctx.library;
  std::vector<std::string> pages;  // for the sitemap
  // Persona pages all sit one directory down.
  auto mentions = mention_links(ctx, "../");
  std::string salt = "html " + templates.fingerprint();
  std::vector<CardText> texts;
  for (const auto& p : lib.personas) {
    texts.push_back(card_text(p));
    std::string path = ctx.paths.persona(p.pid, ".html");
    pages.push_back(path);
    std::string key = persona_key(ctx, p, salt);
    if (out.reuse(path, key)) continue;
    out.file(path, site_persona_page(ctx, templates, p, ctx.activity_of(p.pid), mentions), key);
  }
  add_html_lists(ctx, templates, texts, out, pages);
  out.file("assets/search-index.js", search_index_script(ctx));
  add_html_rest(ctx, templates, pages, out);
}

}  // namespace persona::render
