#include "render/html.h"

#include <algorithm>
#include <functional>

#include "core/text.h"
#include "git/hash.h"
#include "render/commonmark.h"
#include "render/escape.h"

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
  return "hue-" + std::to_string(std::stoul(git::blob_id(app).substr(0, 4), nullptr, 16) % 8);
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

json card(const RenderContext& ctx, const Persona& p, const std::string& root) {
  const PersonaActivity& a = ctx.activity_of(p.pid);
  json tags = json::array();
  std::string tags_attr;
  for (const auto& t : p.tags) {
    tags.push_back({{"tag", t}});
    tags_attr += (tags_attr.empty() ? "" : " ") + t;
  }
  auto comments = static_cast<long long>(a.comments.size());
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
      {"excerpt", excerpt(p, 280)},
      {"aha", first_sentence(markdown_text(text_field(p, "aha_moment")), 220)},
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

/// Every pid linked to its page, from pages whose root is `root`.
std::map<std::string, MentionLink> mention_links(const RenderContext& ctx, const std::string& root) {
  std::map<std::string, MentionLink> out;
  for (const auto& other : ctx.library.personas)
    out[other.pid] = MentionLink{root + ctx.paths.persona(other.pid, ".html"), other.name};
  return out;
}

json persona_page_data(const RenderContext& ctx, const TemplateSet& templates, const Persona& p,
                       const std::map<std::string, MentionLink>& mentions, bool standalone) {
  std::string page = ctx.paths.persona(p.pid, ".html");
  json j = page_base(ctx, page, p.name + " · " + ctx.library.config.name, excerpt(p, 160), standalone);
  std::string root = j["root"].get<std::string>();
  if (standalone) {
    j["csp"] = kStandaloneCsp;
    j["inline_css"] = true;
    j["css_html"] = templates.text("site.css");
  }
  const PersonaActivity& a = ctx.activity_of(p.pid);

  json tags = json::array();
  for (const auto& t : p.tags)
    tags.push_back({{"tag", t}, {"href", root + "index.html?tag=" + url_encode(t)}});
  j["persona"] = card(ctx, p, root);
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

/// Each persona's card, rendered once for pages at the root and once for pages a level down.
struct Cards {
  std::map<std::string, std::string> top, nested;  ///< by pid
};

Cards render_cards(const RenderContext& ctx, const TemplateSet& templates) {
  Cards out;
  for (const auto& p : ctx.library.personas) {
    json c = card(ctx, p, "");
    out.top[p.pid] = templates.render("_card.mustache", c);
    for (const char* key : {"href", "app_href", "category_href"}) c[key] = "../" + c[key].get<std::string>();
    out.nested[p.pid] = templates.render("_card.mustache", c);
  }
  return out;
}

json card_list(const std::vector<const Persona*>& ps, const std::map<std::string, std::string>& html) {
  json out = json::array();
  for (const Persona* p : ps) out.push_back({{"pid", p->pid}, {"card_html", html.at(p->pid)}});
  return out;
}

json index_data(const RenderContext& ctx, const Cards& rendered) {
  const auto& lib = ctx.library;
  json j = page_base(ctx, "index.html", lib.config.name, lib.config.description);
  j["show_search"] = false;  // the index has its own search box
  std::map<std::string, std::pair<std::string, int>> apps, cats, tags;
  std::vector<const Persona*> all;
  for (const auto& p : lib.personas) {
    all.push_back(&p);
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
  j["cards"] = card_list(all, rendered.top);
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
                const std::string& title, const std::vector<const Persona*>& members,
                const Cards& rendered) {
  json j = page_base(ctx, page, title + " personas · " + ctx.library.config.name,
                     plural(static_cast<long long>(members.size()), "persona", "personas") + " for " + title);
  j["kind"] = kind;
  j["heading"] = title;
  j["count_text"] = plural(static_cast<long long>(members.size()), "persona", "personas");
  j["cards"] = card_list(members, rendered.nested);
  return j;
}

std::string sitemap(const RenderContext& ctx, const std::vector<std::string>& pages) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& path : pages) out += "  <url><loc>" + html_escape(ctx.base_url + path) + "</loc></url>\n";
  return out + "</urlset>\n";
}

}  // namespace

std::string search_index_script(const RenderContext& ctx) {
  using ojson = nlohmann::ordered_json;
  auto dump = [](const ojson& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  ojson fields = ojson::array();
  for (const auto& def : profile_fields())
    fields.push_back({{"name", std::string(def.name)}, {"label", std::string(def.label)}});
  // Built persona by persona: the index of a large library is never one big JSON tree.
  std::string data = "{\"fields\":" + dump(fields) + ",\"personas\":[";
  bool first = true;
  for (const auto& p : ctx.library.personas) {
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
    ojson entry;
    entry["pid"] = p.pid;
    entry["name"] = p.name;
    entry["href"] = ctx.paths.persona(p.pid, ".html");
    entry["app"] = p.app;
    entry["app_name"] = ctx.app_name(p.app);
    entry["category"] = p.category;
    entry["tags"] = p.tags;
    entry["text"] = text;
    data += (first ? "" : ",") + dump(entry);
    first = false;
  }
  data += "]}";
  return "// Generated by persona export: the search index of the site.\n"
         "window.PERSONA_SEARCH = " + script_safe_json(data) + ";\n";
}

std::string standalone_persona_page(const RenderContext& ctx, const TemplateSet& templates,
                                    const Persona& p) {
  std::string page = ctx.paths.persona(p.pid, ".html");
  std::string root = ctx.base_url.empty() ? root_prefix(page) : ctx.base_url;
  return templates.render("persona.mustache",
                          persona_page_data(ctx, templates, p, mention_links(ctx, root), true));
}

void add_html_site(const RenderContext& ctx, const TemplateSet& templates, Sink& out) {
  const auto& lib = ctx.library;
  std::vector<std::string> pages;  // for the sitemap
  auto page = [&](const std::string& path, std::string data, const std::string& key = {}) {
    pages.push_back(path);
    out.file(path, std::move(data), key);
  };
  Cards rendered = render_cards(ctx, templates);
  page("index.html", templates.render("index.mustache", index_data(ctx, rendered)));
  std::map<std::string, std::vector<const Persona*>> by_app, by_category;
  // Persona pages all sit one directory down.
  auto mentions = mention_links(ctx, "../");
  std::string salt = "html " + templates.fingerprint();
  for (const auto& p : lib.personas) {
    by_app[p.app].push_back(&p);
    by_category[p.category].push_back(&p);
    std::string path = ctx.paths.persona(p.pid, ".html");
    std::string key = persona_key(ctx, p, salt);
    if (out.reuse(path, key)) {
      pages.push_back(path);
      continue;
    }
    page(path, templates.render("persona.mustache", persona_page_data(ctx, templates, p, mentions, false)), key);
  }
  for (const auto& [app, members] : by_app) {
    std::string path = ctx.paths.app(app);
    page(path, templates.render("group.mustache", group_data(ctx, path, "App", ctx.app_name(app), members, rendered)));
  }
  for (const auto& [cat, members] : by_category) {
    std::string path = ctx.paths.category(cat);
    page(path, templates.render("group.mustache", group_data(ctx, path, "Category", humanize(cat), members, rendered)));
  }
  std::sort(pages.begin(), pages.end());
  if (!ctx.base_url.empty()) out.file("sitemap.xml", sitemap(ctx, pages));
  out.file("assets/search-index.js", search_index_script(ctx));
  for (const auto& name : templates.assets()) out.file("assets/" + name, templates.text(name));
}

}  // namespace persona::render
