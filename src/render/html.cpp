#include "render/html.h"

#include <algorithm>
#include <cstdint>
#include <functional>

#include "core/hash.h"
#include "core/parallel.h"
#include "core/text.h"
#include "render/commonmark.h"
#include "render/escape.h"
#include "render/search_index.h"

namespace persona::render {

namespace {

using mustache::Value;

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
Value page_base(const RenderContext& ctx, const std::string& page, const std::string& title,
                const std::string& description, bool standalone = false) {
  const Config& c = ctx.library.config;
  // A standalone page is read outside the site: its links go to the published site if any.
  std::string root = standalone && !ctx.base_url.empty() ? ctx.base_url : root_prefix(page);
  Value site = Value::object();
  site.set("name", c.name);
  site.set("description", c.description);
  site.set("has_description", !c.description.empty());
  site.set("repository", c.repository);
  site.set("has_repository", !c.repository.empty() && is_safe_url(c.repository));
  Value j = Value::object();
  j.set("site", std::move(site));
  j.set("home_href", root + "index.html");
  j.set("css_href", root + "assets/site.css");
  j.set("favicon_href", root + "assets/favicon.svg");
  j.set("search_action", root + "index.html");
  j.set("root", std::move(root));
  j.set("title", title);
  j.set("description", description);
  j.set("csp", kSiteCsp);
  j.set("inline_css", false);
  j.set("show_search", !standalone);
  j.set("has_canonical", !ctx.base_url.empty());
  j.set("canonical", ctx.base_url.empty() ? "" : ctx.base_url + page);
  return j;
}

/// The position of field `name` in profile_fields().
std::size_t field_index(std::string_view name) {
  const auto& fields = profile_fields();
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return i;
  throw std::logic_error("no profile field " + std::string(name));
}

void add_item_text(std::string& joined, std::string_view item_text) {
  if (!joined.empty()) joined += " · ";
  joined += item_text;
}

}  // namespace

FieldTexts field_texts(const Persona& p) {
  FieldTexts out;
  for (const auto& def : profile_fields()) {
    std::string name(def.name);
    std::string& t = out.emplace_back();
    if (def.kind == FieldKind::kText) {
      t = markdown_text(text_field(p, name));
    } else if (auto it = p.lists.find(name); it != p.lists.end()) {
      for (const auto& item : it->second) add_item_text(t, markdown_text(item));
    }
  }
  return out;
}

namespace {

const std::string& identity_text(const FieldTexts& t) {
  static const std::size_t at = field_index("identity");
  return t[at];
}

/// A card's text from the words of `identity` and `aha_moment`.
CardText card_from(std::string_view identity, std::string_view aha) {
  return CardText{shorten(identity, 280), first_sentence(aha, 220)};
}

CardText card_text_of(const FieldTexts& t) {
  static const std::size_t aha = field_index("aha_moment");
  return card_from(identity_text(t), t[aha]);
}

}  // namespace

CardText card_text(const Persona& p) {
  // Only the two fields a card shows.
  return card_from(markdown_text(text_field(p, "identity")),
                   markdown_text(text_field(p, "aha_moment")));
}

namespace {

/// A persona's card. With `tags`, its tags as the persona page shows them (links); else as a
/// card does.
Value card(const RenderContext& ctx, const Persona& p, const CardText& text, long long comments,
           const std::string& root, Value* tags = nullptr) {
  Value card_tags = Value::list();
  std::string tags_attr;
  for (const auto& t : p.tags) {
    if (!tags) card_tags.push(Value::object()).set("tag", t);
    if (!tags_attr.empty()) tags_attr += ' ';
    tags_attr += t;
  }
  Value j = Value::object();
  j.set("pid", p.pid);
  j.set("name", p.name);
  j.set("href", root + ctx.paths.persona(p.pid, ".html"));
  j.set("app", p.app_slug());
  j.set("app_name", p.app);
  j.set("app_href", root + ctx.paths.app(p.app));
  j.set("hue", hue_class(p.app_slug()));
  j.set("category", p.category);
  j.set("category_name", humanize(p.category));
  j.set("category_href", root + ctx.paths.category(p.category));
  j.set("tags", tags ? std::move(*tags) : std::move(card_tags));
  j.set("tags_attr", std::move(tags_attr));
  j.set("has_comments", comments > 0);
  j.set("comments_text", plural(comments, "comment", "comments"));
  j.set("excerpt", text.excerpt);
  j.set("aha", text.aha);
  return j;
}

/// Apps, categories or tags with their counts, for filters and "browse" lists.
Value facet(const std::map<std::string, std::pair<std::string, int>>& items,
            const std::function<std::string(const std::string&)>& href) {
  Value out = Value::list();
  for (const auto& [value, named] : items) {
    Value& j = out.push(Value::object());
    j.set("value", value);
    j.set("label", named.first);
    j.set("count", std::to_string(named.second));
    if (href) j.set("href", href(value));
  }
  return out;
}

Value field_stats(const FieldActivity& f) {
  Value stats = Value::list();
  auto add = [&](const char* kind, int n, const char* one, const char* many, const char* title) {
    if (n <= 0) return;
    Value& s = stats.push(Value::object());
    s.set("kind", kind);
    s.set("text", plural(n, one, many));
    s.set("title", title);
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

Value contribute_links(const RenderContext& ctx, const Persona& p, const std::string& field,
                       const std::string& label) {
  static const std::pair<const char*, const char*> kKinds[] = {
      {"confirm", "Confirm it matches your experience"},
      {"correct", "Suggest a correction"},
      {"extend", "Add something missing"},
  };
  Value out = Value::list();
  for (const auto& [kind, text] : kKinds) {
    std::string url = contribute_url(ctx.library.config, p.pid, field, kind);
    if (url.empty()) return Value::list();
    Value& link = out.push(Value::object());
    link.set("kind", kind);
    link.set("text", text);
    link.set("href", std::move(url));
    link.set("aria", std::string(text) + ": " + label);
  }
  return out;
}

/// A persona page's data; the words of each field (field_texts) go to `texts`, from the same
/// parse as its HTML.
// One piece: the data is built in the order persona.mustache reads it, one section per profile
// field, each from one parse of its Markdown; the page's shape is easier to check against the
// template when it reads top to bottom in one place.
Value persona_page_data(const RenderContext& ctx, const TemplateSet& templates, const Persona& p,
                        const PersonaActivity& a,
                        const std::map<std::string, MentionLink>& mentions, bool standalone,
                        FieldTexts& texts) {
  texts.assign(profile_fields().size(), std::string());
  Value sections = Value::list();
  HtmlOptions md;
  md.heading_offset = 2;
  md.mentions = &mentions;
  HtmlOptions item_md = md;
  item_md.unwrap_paragraph = true;
  std::string item_text;
  for (std::size_t fi = 0; fi < profile_fields().size(); ++fi) {
    const auto& def = profile_fields()[fi];
    std::string name(def.name), label(def.label);
    Value& s = sections.push(Value::object());
    s.set("id", name);
    s.set("label", label);
    s.set("is_list", def.kind == FieldKind::kList);
    if (def.kind == FieldKind::kText) {
      s.set("body_html", markdown_html(text_field(p, name), md, texts[fi]));
    } else {
      std::string items = "<ul>\n";
      auto it = p.lists.find(name);
      if (it != p.lists.end())
        for (const auto& item : it->second) {
          items += "<li>";
          items += markdown_html(item, item_md, item_text);
          items += "</li>\n";
          add_item_text(texts[fi], item_text);
        }
      items += "</ul>\n";
      s.set("body_html", std::move(items));
    }
    auto fit = a.fields.find(name);
    FieldActivity none;
    const FieldActivity& f = fit == a.fields.end() ? none : fit->second;
    Value stats = field_stats(f);
    s.set("has_stats", !stats.empty());
    s.set("stats", std::move(stats));
    s.set("has_last_activity", !f.last_activity.empty());
    s.set("last_activity", date_of(f.last_activity));
    s.set("last_activity_time", f.last_activity);
    Value links = contribute_links(ctx, p, name, label);
    s.set("has_contribute", !links.empty());
    s.set("contribute", std::move(links));
  }

  std::string page = ctx.paths.persona(p.pid, ".html");
  Value j = page_base(ctx, page, p.name + " · " + ctx.library.config.name,
                      shorten(identity_text(texts), 160), standalone);
  j.set("sections", std::move(sections));
  std::string root = j.get("root")->str();
  if (standalone) {
    j.set("csp", kStandaloneCsp);
    j.set("inline_css", true);
    j.set("css_html", templates.text("site.css"));
  }
  Value tags = Value::list();
  for (const auto& t : p.tags) {
    Value& tag = tags.push(Value::object());
    tag.set("tag", t);
    tag.set("href", root + "index.html?tag=" + url_encode(t));
  }
  Value& persona = j.set("persona", card(ctx, p, card_text_of(texts),
                                         static_cast<long long>(a.comments.size()), root, &tags));
  persona.set("version", p.version);
  persona.set("archetype", p.archetype());

  Value comments = Value::list();
  HtmlOptions comment_md;
  comment_md.heading_offset = 3;
  comment_md.mentions = &mentions;
  for (const Record* r : a.comments) {
    Value& c = comments.push(Value::object());
    c.set("id", "comment-" + r->id);
    c.set("author", r->author);
    c.set("date", date_of(r->time));
    c.set("time", r->time);
    c.set("body_html", markdown_html(r->text, comment_md));
    auto path = r->field.empty() ? std::nullopt : parse_record_field_path(r->field, nullptr);
    const FieldDef* def = path ? find_field(path->field) : nullptr;
    c.set("has_field", def != nullptr);
    if (def) {
      std::string field_label(def->label);
      if (path->item) {
        field_label += ' ';
        field_label += std::to_string(*path->item);
      }
      c.set("field_label", std::move(field_label));
      std::string href = "#";
      href += def->name;
      c.set("field_href", std::move(href));
    }
  }
  bool has_comments = !comments.empty();
  j.set("comments_heading",
        has_comments ? plural(static_cast<long long>(a.comments.size()), "comment", "comments")
                     : std::string("Comments"));
  j.set("comments", std::move(comments));
  j.set("has_comments", has_comments);
  std::string comment_url = contribute_url(ctx.library.config, p.pid, "", "comment");
  j.set("has_comment_link", !comment_url.empty());
  j.set("comment_href", std::move(comment_url));

  Value summary = Value::list();
  if (a.total() > 0) {
    summary.push(Value::object()).set("text", plural(a.total(), "contribution", "contributions"));
    summary.push(Value::object())
        .set("text",
             "from " + plural(static_cast<long long>(a.contributors.size()), "person", "people"));
  }
  j.set("summary", std::move(summary));
  j.set("has_activity", a.total() > 0);
  j.set("last_activity", date_of(a.last_activity));
  j.set("last_activity_time", a.last_activity);
  j.set("contribute_enabled",
        !contribute_url(ctx.library.config, p.pid, "identity", "confirm").empty());
  return j;
}

/// The card list of a page: a marker in place of each card's HTML, replaced by the card when the
/// page is written, so a page listing every persona never holds all their cards several times
/// over (in the data, in the template's copy of it and in the output). A marker holds '<', which
/// escaping would change: a template that shows card_html escaped then does not match, and the
/// page is rendered with the cards in place instead.
std::string card_marker(std::size_t i) { return "<\x1e" + std::to_string(i) + "\x1e>"; }

Value card_list(std::size_t count, const std::function<std::string(std::size_t)>& html) {
  Value out = Value::list();
  for (std::size_t i = 0; i < count; ++i) out.push(Value::object()).set("card_html", html(i));
  return out;
}

Value index_data(const RenderContext& ctx, Value cards) {
  const auto& lib = ctx.library;
  Value j = page_base(ctx, "index.html", lib.config.name, lib.config.description);
  j.set("show_search", false);  // the index has its own search box
  std::map<std::string, std::pair<std::string, int>> apps, cats, tags;
  for (const auto& p : lib.personas) {
    auto& a = apps[p.app_slug()];  // the filter's value is the slug, as each card's data-app
    a.first = p.app;
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
  j.set("cards", std::move(cards));
  j.set("apps",
        facet(apps, [&](const std::string& slug) { return ctx.paths.app(apps[slug].first); }));
  j.set("categories", facet(cats, [&](const std::string& v) { return ctx.paths.category(v); }));
  j.set("tags", facet(tags, nullptr));
  // The scripts of the search index's shards (their number depends on the number of personas
  // alone, which the page's input key holds).
  Value shards = Value::list();
  std::string root = j.get("root")->str();
  for (std::size_t k = 0; k < search_shard_count(lib.personas.size()); ++k)
    shards.push(Value::object()).set("src", root + search_shard_path(k));
  j.set("search_shards", std::move(shards));
  j.set("persona_count", std::to_string(lib.personas.size()));
  j.set("persona_count_text",
        plural(static_cast<long long>(lib.personas.size()), "persona", "personas"));
  j.set("app_count_text", plural(static_cast<long long>(apps.size()), "app", "apps"));
  j.set("contribution_count_text",
        plural(static_cast<long long>(lib.records.size()), "contribution", "contributions"));
  std::string contribute = contribute_url(lib.config, "", "", "");
  j.set("has_contribute", !contribute.empty());
  j.set("contribute_href", std::move(contribute));
  return j;
}

Value group_data(const RenderContext& ctx, const std::string& page, const std::string& kind,
                 const std::string& title, std::size_t members, Value cards) {
  Value j =
      page_base(ctx, page, title + " personas · " + ctx.library.config.name,
                plural(static_cast<long long>(members), "persona", "personas") + " for " + title);
  j.set("kind", kind);
  j.set("heading", title);
  j.set("count_text", plural(static_cast<long long>(members), "persona", "personas"));
  j.set("cards", std::move(cards));
  return j;
}

/// Renders `name` with the cards of `members` (indexes into the library's personas) and sends it
/// to `out`: through markers and pieces when the template shows each card once, in order.
void list_page(const TemplateSet& templates, const std::string& name, const std::string& path,
               const std::vector<std::size_t>& members, const std::function<Value(Value)>& data,
               const std::function<std::string(std::size_t)>& card_html, const std::string& key,
               Sink& out) {
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
    out.file(path,
             templates.render(
                 name, data(card_list(members.size(),
                                      [&](std::size_t i) { return card_html(members[i]); }))),
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

}  // namespace

std::map<std::string, MentionLink> mention_links(const RenderContext& ctx,
                                                 const std::string& root) {
  std::map<std::string, MentionLink> out;
  for (const auto& other : ctx.library.personas)
    out[other.pid] = MentionLink{root + ctx.paths.persona(other.pid, ".html"), other.name};
  return out;
}

std::string site_persona_page(const RenderContext& ctx, const TemplateSet& templates,
                              const Persona& p, const PersonaActivity& a,
                              const std::map<std::string, MentionLink>& mentions) {
  FieldTexts texts;
  return templates.render("persona.mustache",
                          persona_page_data(ctx, templates, p, a, mentions, false, texts));
}

PersonaParts site_persona_parts(const RenderContext& ctx, const TemplateSet& templates,
                                const Persona& p, const PersonaActivity& a,
                                const std::map<std::string, MentionLink>& mentions) {
  FieldTexts texts;
  PersonaParts out;
  out.page = templates.render("persona.mustache",
                              persona_page_data(ctx, templates, p, a, mentions, false, texts));
  out.card = card_text_of(texts);
  out.search_text = search_text_json_of(texts);
  return out;
}

namespace {

/// What each card shows of its persona, as a digest (the lists' input keys are made of them),
/// for every persona whose digest is not known yet. On every core, and into one buffer per
/// persona: an update of a large library computes all of them to find the pages that changed.
void card_digests(const RenderContext& ctx, const std::vector<CardText>& texts,
                  std::vector<std::string>& digests) {
  const auto& personas = ctx.library.personas;
  digests.resize(personas.size());
  parallel_for(personas.size(), 0, [&](std::size_t i) {
    if (!digests[i].empty()) return;
    const Persona& p = personas[i];
    std::string in;
    auto add = [&](std::string_view v) { append_key_part(in, v); };
    for (std::string_view v : {std::string_view(p.pid), std::string_view(p.name),
                               std::string_view(p.app), std::string_view(p.category)})
      add(v);
    add(std::to_string(p.tags.size()));
    add(std::to_string(ctx.activity_of(p.pid).comments.size()));
    add(texts[i].excerpt);
    add(texts[i].aha);
    add(ctx.paths.persona(p.pid, ""));
    add(ctx.paths.app(p.app));
    add(ctx.paths.category(p.category));
    for (const auto& t : p.tags) add(t);
    digests[i] = blob_id(in);
  });
}

}  // namespace

void add_html_lists(const RenderContext& ctx, const TemplateSet& templates,
                    const std::vector<CardText>& texts, Sink& out, std::vector<std::string>& pages,
                    std::string_view key_salt, std::vector<std::string>* known) {
  const auto& personas = ctx.library.personas;
  auto card_html = [&](std::size_t i, const std::string& root) {
    auto comments = static_cast<long long>(ctx.activity_of(personas[i].pid).comments.size());
    return templates.render("_card.mustache", card(ctx, personas[i], texts[i], comments, root));
  };
  // With a salt, each list page gets an input key: everything its cards show of each member,
  // and the settings. A page whose key did not change is kept without rendering its cards.
  std::vector<std::string> own;
  std::vector<std::string>& digests = known ? *known : own;
  if (!key_salt.empty()) card_digests(ctx, texts, digests);
  auto key = [&](const std::string& path, const std::vector<std::size_t>& members) -> std::string {
    if (key_salt.empty()) return {};
    const Config& c = ctx.library.config;
    std::string in;
    for (const std::string& v :
         {std::string(key_salt), c.name, c.description, c.repository, c.contribute_url,
          ctx.base_url, std::to_string(ctx.library.records.size()), path,
          std::to_string(members.size())})
      append_key_part(in, v);
    for (std::size_t m : members) in += digests[m];
    return blob_id(in);
  };
  std::vector<std::size_t> all(personas.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::map<std::string, std::vector<std::size_t>> by_app, by_category;
  for (std::size_t i = 0; i < personas.size(); ++i) {
    by_app[personas[i].app].push_back(i);
    by_category[personas[i].category].push_back(i);
  }
  // The pages, made on every core: each is on its own (the index, the largest, goes first).
  struct Group {
    std::string path;
    const char* kind;
    std::string title;
    const std::vector<std::size_t>* members;
  };
  std::vector<Group> groups;
  groups.reserve(by_app.size() + by_category.size());
  for (const auto& [app, members] : by_app)
    groups.push_back(Group{ctx.paths.app(app), "App", app, &members});
  for (const auto& [cat, members] : by_category)
    groups.push_back(Group{ctx.paths.category(cat), "Category", humanize(cat), &members});
  pages.reserve(pages.size() + groups.size() + 1);
  pages.emplace_back("index.html");
  for (const auto& g : groups) pages.push_back(g.path);
  parallel_for(groups.size() + 1, 0, [&](std::size_t n) {
    if (n == 0) {
      list_page(
          templates, "index.mustache", "index.html", all,
          [&](Value cards) { return index_data(ctx, std::move(cards)); },
          [&](std::size_t i) { return card_html(i, ""); }, key("index.html", all), out);
      return;
    }
    const Group& g = groups[n - 1];
    list_page(
        templates, "group.mustache", g.path, *g.members,
        [&](Value cards) {
          return group_data(ctx, g.path, g.kind, g.title, g.members->size(), std::move(cards));
        },
        [&](std::size_t i) { return card_html(i, "../"); }, key(g.path, *g.members), out);
  });
}

void add_html_rest(const RenderContext& ctx, const TemplateSet& templates,
                   std::vector<std::string>& pages, Sink& out) {
  std::sort(pages.begin(), pages.end());
  if (!ctx.base_url.empty()) out.file("sitemap.xml", sitemap(ctx.base_url, pages));
  for (const auto& name : templates.assets()) out.file("assets/" + name, templates.text(name));
}

std::string standalone_persona_page(const RenderContext& ctx, const TemplateSet& templates,
                                    const Persona& p) {
  std::string page = ctx.paths.persona(p.pid, ".html");
  std::string root = ctx.base_url.empty() ? root_prefix(page) : ctx.base_url;
  FieldTexts texts;
  return templates.render("persona.mustache",
                          persona_page_data(ctx, templates, p, ctx.activity_of(p.pid),
                                            mention_links(ctx, root), true, texts));
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
  add_search_index(ctx, out);
  add_html_rest(ctx, templates, pages, out);
}

}  // namespace persona::render
