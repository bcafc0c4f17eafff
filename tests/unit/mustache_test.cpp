// Tests of src/render/mustache.h: the template engine must print what kainjow-mustache prints and
// fail where it fails, with its messages. Every case below also runs kainjow (the reference; used
// from this test only), so a quirk written down here is checked against the real thing.
#include "render/mustache.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <kainjow/mustache.hpp>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "render/escape.h"
#include "support.h"

namespace mu = persona::render::mustache;
namespace kj = kainjow::mustache;
namespace fs = std::filesystem;

namespace {

using Partials = std::map<std::string, std::string>;

kj::data to_kainjow(const mu::Value& v) {
  switch (v.kind()) {
    case mu::Value::Kind::kFalse:
      return kj::data(false);
    case mu::Value::Kind::kTrue:
      return kj::data(true);
    case mu::Value::Kind::kString:
      return kj::data(v.str());
    case mu::Value::Kind::kList: {
      kj::data l(kj::data::type::list);
      for (const mu::Value& item : v.items()) l.push_back(to_kainjow(item));
      return l;
    }
    case mu::Value::Kind::kObject: {
      kj::data o(kj::data::type::object);
      for (std::size_t i = 0; i < v.keys().size(); ++i)
        o.set(v.keys()[i], to_kainjow(v.items()[i]));
      return o;
    }
  }
  return kj::data(false);
}

struct Result {
  std::string out;
  std::string error;
};

/// kainjow as our templates used it: html_escape as the custom escape, partials as `partial`
/// entries of the root object. A fresh kainjow object each time (it remembers partial errors).
Result kainjow_render(const std::string& text, const kj::data& root) {
  kj::mustache tmpl(text);
  if (!tmpl.is_valid()) return {"", tmpl.error_message()};
  tmpl.set_custom_escape([](const std::string& s) { return persona::render::html_escape(s); });
  return {tmpl.render(root), ""};
}

kj::data kainjow_root(const mu::Value& data, const Partials& partials) {
  kj::data root = to_kainjow(data);
  for (const auto& [name, text] : partials) {
    std::string copy = text;
    root.set(name, kj::partial([copy] { return copy; }));
  }
  return root;
}

struct Ours {
  std::map<std::string, mu::Template, std::less<>> partials;
  mu::Template::Partials lookup;
  explicit Ours(const Partials& texts) {
    for (const auto& [name, text] : texts) partials.emplace(name, mu::Template(text));
    lookup = [this](std::string_view name) -> const mu::Template* {
      auto it = partials.find(name);
      return it == partials.end() ? nullptr : &it->second;
    };
  }
  Result render(const std::string& text, const mu::Value& data) const {
    mu::Template t(text);
    if (!t.valid()) return {"", t.error()};
    std::string out = "<prefix>";  // render appends: what was there stays
    t.render(data, lookup, out);
    REQUIRE(out.rfind("<prefix>", 0) == 0);
    return {out.substr(8), ""};
  }
};

/// Checks that both engines give `expected` (an output, or the error message when `error`).
void same(const std::string& text, const mu::Value& data, const std::string& expected,
          const Partials& partials = {}, bool error = false) {
  CAPTURE(text);
  Result k = kainjow_render(text, kainjow_root(data, partials));
  Result o = Ours(partials).render(text, data);
  CHECK(k.out == o.out);
  CHECK(k.error == o.error);
  CHECK((error ? o.error : o.out) == expected);
  if (error) CHECK(o.out.empty());
}

void same_error(const std::string& text, const std::string& message) {
  same(text, mu::Value::object(), message, {}, true);
}

mu::Value obj(std::initializer_list<std::pair<std::string_view, mu::Value>> members) {
  mu::Value v = mu::Value::object();
  for (const auto& [k, m] : members) v.set(k, m);
  return v;
}

mu::Value list(std::initializer_list<mu::Value> items) {
  mu::Value v = mu::Value::list();
  for (const auto& i : items) v.push(i);
  return v;
}

// ---- the random templates of the differential test ----

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
};

const std::vector<std::string> kStrings{"",  "x",  "<b>",       "a&b",   "\"q\"", "it's",
                                        " ", "\t", "two words", "{{a}}", "\n",    "é"};
const std::vector<std::string> kKeys{"a", "b", "c", "d", "e"};

mu::Value make_value(Rng& r, int depth) {
  switch (r.below(depth >= 3 ? 3 : 7)) {
    case 0:
      return mu::Value(false);
    case 1:
      return mu::Value(true);
    case 2:
      return mu::Value(r.pick(kStrings));
    case 3:
    case 4: {
      mu::Value l = mu::Value::list();
      for (std::size_t n = r.below(4); n > 0; --n) l.push(make_value(r, depth + 1));
      return l;
    }
    default: {
      mu::Value o = mu::Value::object();
      for (const std::string& k : kKeys)
        if (r.chance(45)) o.set(k, make_value(r, depth + 1));
      if (r.chance(3)) o.set("", mu::Value("empty key"));
      return o;
    }
  }
}

mu::Value make_data(Rng& r) {
  mu::Value root = mu::Value::object();
  for (const std::string& k : kKeys)
    if (r.chance(75)) root.set(k, make_value(r, 1));
  return root;
}

/// Builds a template from random pieces. `level` limits partials: a partial of level n includes
/// only partials of higher levels (p4 never exists), so inclusion always ends.
struct Generator {
  Rng& r;
  int level;
  std::string out;
  std::string b = "{{", e = "}}";
  std::vector<std::string> open;

  Generator(Rng& rng, int lvl) : r(rng), level(lvl) {}

  static const std::vector<std::string>& names() {
    // Names that exist in the data come more often; the odd ones test kainjow's splitting.
    static const std::vector<std::string> v{"a",  "b",    "c",   "d",   "e",     "a",   "b",
                                            "c",  "x",    "a.b", "b.c", "a.b.c", ".",   ".",
                                            "a.", "a..b", ".a",  "c.a", "",      " a ", "d.e"};
    return v;
  }
  std::string name() { return r.pick(names()); }
  std::string ws() {
    static const std::vector<std::string> v{"", "", "", " ", "  ", "\t", " \t"};
    return r.pick(v);
  }
  std::string tag(const std::string& inner) { return b + inner + e; }

  void section_open() {
    std::string n = name();
    open.push_back(n);
    out += tag((r.chance(70) ? "#" : "^") + ws() + n + ws());
  }
  void section_close() {
    if (open.empty()) {
      if (r.chance(3)) out += tag("/" + name());  // Unopened section
      return;
    }
    std::string n = open.back();
    open.pop_back();
    if (r.chance(2)) n = name();  // mismatched
    out += tag("/" + ws() + n);
  }
  void set_delimiters() {
    static const std::vector<std::pair<std::string, std::string>> pairs{
        {"{{", "}}"}, {"{{", "}}"}, {"<%", "%>"}, {"|", "|"}, {"[[", "]]"}, {"<", ">"}};
    const auto& [nb, ne] = r.pick(pairs);
    out += tag("=" + ws() + nb + (r.chance(20) ? "  " : " ") + ne + ws() + "=");
    b = nb;
    e = ne;
  }
  void piece() {
    switch (r.below(24)) {
      case 0:
        out += r.pick(std::vector<std::string>{"x", "ab", "<&>", "é", "}}", "{", "=", "%"});
        break;
      case 1:
      case 2:
        out += r.pick(std::vector<std::string>{" ", "  ", "\t", " \t "});
        break;
      case 3:
      case 4:
        out += "\n";
        break;
      case 5:
        out += r.chance(70) ? "\r\n" : "\r";
        break;
      case 6:
      case 7:
        out += tag(ws() + name() + ws());
        break;
      case 8:
        out += r.chance(50) ? "{{{" + ws() + name() + ws() + "}}}" : tag("&" + ws() + name());
        break;
      case 9:
      case 10:
      case 11:
        section_open();
        break;
      case 12:
      case 13:
      case 14:
        section_close();
        break;
      case 15:
        out += tag(r.chance(50) ? "! note " : "!");
        break;
      case 16: {
        std::vector<std::string> ps{"p4"};
        for (int l = level + 1; l <= 3; ++l) ps.push_back("p" + std::to_string(l));
        out += tag(">" + ws() + r.pick(ps) + ws());
        break;
      }
      case 17:
        if (r.chance(40)) set_delimiters();
        break;
      case 18:
      case 19: {  // a line that may stand alone
        out += "\n" + ws();
        if (r.chance(50))
          section_open();
        else
          section_close();
        out += ws() + (r.chance(80) ? "\n" : "\r\n");
        break;
      }
      case 20:
        out += tag(r.chance(50) ? "" : " ");
        break;
      case 21:
        out += tag("{" + name() + "}");
        break;
      case 22:  // rare faults
        switch (r.below(30)) {
          case 0:
            out += b + name();
            break;  // unclosed tag
          case 1:
            out += tag(r.pick(std::vector<std::string>{"=x=", "= a b c =", "=a=b c=", "=  ="}));
            break;
          case 2:
            out += "{{{a}}";
            break;
          default:
            break;
        }
        break;
      default:
        out += tag(name());
        break;
    }
  }
  std::string make(std::size_t max_pieces) {
    for (std::size_t n = r.below(max_pieces + 1); n > 0; --n) piece();
    if (r.chance(50) && b != "{{") out += tag("={{ }}=");
    while (!open.empty() && r.chance(92)) {
      out += tag("/" + open.back());
      open.pop_back();
    }
    return out;
  }
};

const fs::path kTemplates = fs::path(PERSONA_SOURCE_DIR) / "src/render/templates";

std::string read_template(const std::string& name) {
  return persona::test::slurp(kTemplates / name);
}

Partials site_partials() {
  Partials p;
  for (const auto& entry : fs::directory_iterator(kTemplates)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 9 && name[0] == '_' && name.ends_with(".mustache"))
      p[name.substr(0, name.size() - 9)] = read_template(name);
  }
  return p;
}

mu::Value page_base(bool canonical, bool inline_css, bool search) {
  mu::Value j = mu::Value::object();
  j.set("site", obj({{"name", "Product <Personas>"},
                     {"description", "Who uses what & why"},
                     {"has_description", true},
                     {"repository", "https://example.com/repo?a=1&b=2"},
                     {"has_repository", canonical}}));
  j.set("root", "../");
  j.set("home_href", "../index.html");
  j.set("css_href", "../assets/site.css");
  j.set("favicon_href", "../assets/favicon.svg");
  j.set("search_action", "../index.html");
  j.set("title", "Dana \"the data\" O'Neil · Personas");
  j.set("description", "Runs the warehouse <and> the payouts.");
  j.set("csp", "default-src 'self'; img-src 'self' data:");
  j.set("inline_css", inline_css);
  if (inline_css) j.set("css_html", "body { color: red; }\n.a > .b { x: \"y\"; }\n");
  j.set("show_search", search);
  j.set("has_canonical", canonical);
  j.set("canonical", canonical ? "https://example.com/p/APP-1.html" : "");
  return j;
}

mu::Value card(int i, bool comments) {
  mu::Value tags = mu::Value::list();
  tags.push(obj({{"tag", "warehouse"}}));
  tags.push(obj({{"tag", "b&w"}}));
  std::string pid = "APP-" + std::to_string(100 + i);
  return obj({{"pid", pid},
              {"name", "Persona <" + std::to_string(i) + ">"},
              {"href", "../p/" + pid + ".html"},
              {"app", "app"},
              {"app_name", "The App & Co"},
              {"app_href", "../apps/app.html"},
              {"hue", "hue-" + std::to_string(i % 6)},
              {"category", "data"},
              {"category_name", "Data"},
              {"category_href", "../c/data.html"},
              {"tags", tags},
              {"tags_attr", "warehouse b&w"},
              {"has_comments", comments},
              {"comments_text", comments ? "2 comments" : "0 comments"},
              {"excerpt", "Keeps \"numbers\" honest; hates <blink>."},
              {"aha", "When the export just worked."}});
}

mu::Value persona_page(bool activity, bool comments, bool canonical, bool inline_css) {
  mu::Value j = page_base(canonical, inline_css, !inline_css);
  mu::Value p = card(1, comments);
  mu::Value tags = mu::Value::list();
  for (const char* t : {"warehouse", "b&w", "\"quoted\""})
    tags.push(obj({{"tag", t}, {"href", std::string("../index.html?tag=") + t}}));
  p.set("tags", tags);
  p.set("version", "3");
  p.set("archetype", "Analyst");
  j.set("persona", p);
  mu::Value sections = mu::Value::list();
  for (int s = 0; s < 9; ++s) {
    std::string id = "field-" + std::to_string(s);
    mu::Value stats = mu::Value::list();
    if (s % 3 != 0) {
      stats.push(
          obj({{"kind", "confirm"}, {"text", "2 confirmations"}, {"title", "Confirmed by 2"}}));
      stats.push(
          obj({{"kind", "correct"}, {"text", "1 correction"}, {"title", "Corrected <once>"}}));
    }
    mu::Value links = mu::Value::list();
    if (s % 2 == 0)
      for (const char* k : {"confirm", "correct", "extend"})
        links.push(obj({{"kind", k},
                        {"text", k},
                        {"href", "https://x.test/new?f=" + id + "&k=" + k},
                        {"aria", std::string(k) + ": Label " + id}}));
    mu::Value sec =
        obj({{"id", id},
             {"label", "Label " + std::to_string(s) + " & more"},
             {"is_list", s % 4 == 1},
             {"body_html", "<p>Body of <em>" + id + "</em></p>\n<ul>\n<li>one</li>\n</ul>\n"}});
    sec.set("stats", stats);
    sec.set("has_stats", !stats.empty());
    sec.set("has_last_activity", s % 3 == 1);
    sec.set("last_activity", "2024-05-01");
    sec.set("last_activity_time", "2024-05-01T10:00:00Z");
    sec.set("contribute", links);
    sec.set("has_contribute", !links.empty());
    sections.push(sec);
  }
  j.set("sections", sections);
  mu::Value cs = mu::Value::list();
  if (comments)
    for (int c = 0; c < 3; ++c) {
      mu::Value com = obj({{"id", "comment-" + std::to_string(c)},
                           {"author", "ann <ann@x.test>"},
                           {"date", "2024-05-0" + std::to_string(c + 1)},
                           {"time", "2024-05-01T10:00:00Z"},
                           {"body_html", "<p>I'm \"this\" persona.</p>\n"},
                           {"has_field", c != 1}});
      if (c != 1) {
        com.set("field_label", "Label 2");
        com.set("field_href", "#field-2");
      }
      cs.push(com);
    }
  j.set("comments", cs);
  j.set("has_comments", comments);
  j.set("comments_heading", comments ? "3 comments" : "Comments");
  j.set("has_comment_link", activity);
  j.set("comment_href", "https://x.test/comment?pid=APP-101&x=<y>");
  mu::Value summary = mu::Value::list();
  if (activity) {
    summary.push(obj({{"text", "5 contributions"}}));
    summary.push(obj({{"text", "from 2 people"}}));
  }
  j.set("summary", summary);
  j.set("has_activity", activity);
  j.set("last_activity", activity ? "2024-05-03" : "");
  j.set("last_activity_time", activity ? "2024-05-03T08:00:00Z" : "");
  j.set("contribute_enabled", comments);
  return j;
}

mu::Value cards_list(int n) {
  mu::Value cards = mu::Value::list();
  for (int i = 0; i < n; ++i)
    cards.push(obj({{"card_html", "<li class=\"card\">card " + std::to_string(i) + "</li>"}}));
  return cards;
}

mu::Value facet(const std::vector<std::string>& values, bool href) {
  mu::Value l = mu::Value::list();
  for (const auto& v : values) {
    mu::Value f = obj({{"value", v}, {"label", v + " <label>"}, {"count", "3"}});
    if (href) f.set("href", "apps/" + v + ".html");
    l.push(f);
  }
  return l;
}

mu::Value index_page(int cards, bool contribute) {
  mu::Value j = page_base(false, false, false);
  j.set("cards", cards_list(cards));
  j.set("apps", facet({"alpha", "beta&gamma"}, true));
  j.set("categories", facet({"data", "ops"}, true));
  j.set("tags", facet({"t1", "t\"2\""}, false));
  j.set("persona_count", std::to_string(cards));
  j.set("persona_count_text", std::to_string(cards) + " personas");
  j.set("app_count_text", "2 apps");
  j.set("contribution_count_text", "7 contributions");
  j.set("has_contribute", contribute);
  j.set("contribute_href", "https://x.test/new?template=persona&x=1");
  return j;
}

mu::Value group_page(int cards) {
  mu::Value j = page_base(true, false, true);
  j.set("kind", "App");
  j.set("heading", "Alpha & Beta");
  j.set("count_text", std::to_string(cards) + " personas");
  j.set("cards", cards_list(cards));
  return j;
}

}  // namespace

TEST_CASE("mustache: Value objects keep their members in order and replace by key") {
  mu::Value o = mu::Value::object();
  o.set("b", "1");
  o.set("a", true);
  o.set("c", mu::Value::list());
  mu::Value& again = o.set("b", "2");
  CHECK(again.str() == "2");
  CHECK(o.keys() == std::vector<std::string>{"b", "a", "c"});
  REQUIRE(o.get("b") != nullptr);
  CHECK(o.get("b")->str() == "2");
  CHECK(o.items().size() == 3);
  CHECK(o.get("a")->kind() == mu::Value::Kind::kTrue);
  CHECK(o.get("zz") == nullptr);
  o.get("c")->push("x");
  CHECK(o.get("c")->items().size() == 1);
  CHECK(!o.get("c")->empty());

  mu::Value s("text"), l = mu::Value::list(), f;
  CHECK(f.kind() == mu::Value::Kind::kFalse);
  CHECK_THROWS_AS(s.set("k", true), std::logic_error);
  CHECK_THROWS_AS(l.set("k", true), std::logic_error);
  CHECK_THROWS_AS(f.set("k", true), std::logic_error);
  CHECK_THROWS_AS(o.push("x"), std::logic_error);
  CHECK_THROWS_AS(s.push("x"), std::logic_error);
  CHECK(s.get("text") == nullptr);
  CHECK(l.get("") == nullptr);
  l.push("x");
  CHECK(l.get("x") == nullptr);
  CHECK(s.str() == "text");
  CHECK(l.str().empty());
}

TEST_CASE("mustache: html_escape_append is html_escape") {
  std::string out = "pre:";
  persona::render::html_escape_append(out, "a<b>&\"c'd\"");
  CHECK(out == "pre:a&lt;b&gt;&amp;&quot;c&#39;d&quot;");
  for (std::string s : {"", "plain", "<", "&&", "x'y'z", "tail>"}) {
    std::string appended;
    persona::render::html_escape_append(appended, s);
    CHECK(appended == persona::render::html_escape(s));
  }
}

TEST_CASE("mustache: variables, escaping and kinds") {
  mu::Value d = obj({{"s", "<a href=\"x\">Tom & Jerry's</a>"},
                     {"t", true},
                     {"f", false},
                     {"l", list({"x"})},
                     {"o", obj({{"k", "v"}})}});
  same(
      "{{s}}|{{{s}}}|{{& s}}", d,
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;|<a href=\"x\">Tom & Jerry's</a>|"
      "<a href=\"x\">Tom & Jerry's</a>");
  same("[{{t}}][{{f}}][{{l}}][{{o}}][{{missing}}]", d, "[][][][][]");  // only strings print
  same("{{ s }}{{{ s }}}", obj({{"s", "1"}}), "11");
  same("{{}}{{ }}", obj({{"", "e"}}), "ee");  // an empty name is a name
  same("{{! a comment }}x{{!}}", d, "x");
  same("{{{& s}}}", obj({{"& s", "raw"}}), "raw");  // triple takes the rest as the name
}

TEST_CASE("mustache: sections follow kainjow's truth") {
  mu::Value d = obj({{"t", true},
                     {"f", false},
                     {"s", "str"},
                     {"es", ""},
                     {"eo", mu::Value::object()},
                     {"el", mu::Value::list()},
                     {"l", list({"a", "b", "c"})},
                     {"o", obj({{"k", "v"}})}});
  same("{{#t}}T{{/t}}{{#f}}F{{/f}}{{#missing}}M{{/missing}}{{#el}}EL{{/el}}", d, "T");
  same("{{#s}}<{{.}}>{{/s}}{{#es}}[{{.}}]{{/es}}{{#eo}}EO{{/eo}}{{#o}}{{k}}{{/o}}", d,
       "<str>[]EOv");
  same("{{#l}}({{.}}){{/l}}", d, "(a)(b)(c)");
  same(
      "{{^t}}T{{/t}}{{^f}}F{{/f}}{{^missing}}M{{/missing}}{{^el}}EL{{/el}}{{^eo}}EO{{/"
      "eo}}{{^s}}S{{/s}}",
      d, "FMEL");
  // An inverted section pushes a false or empty-list value, so {{.}} is that value there.
  same("{{#s}}{{^f}}[{{.}}]{{/f}}{{^missing}}[{{.}}]{{/missing}}{{/s}}", d, "[][str]");
  same("{{#l}}{{#t}}{{.}}{{/t}}{{/l}}", d, "");  // {{.}} is the true value
  same("{{#l}}{{#s}}{{.}}{{/s}}{{/l}}", d, "strstrstr");
}

TEST_CASE("mustache: names are looked up through the context stack, dotted names in one context") {
  mu::Value d = obj({{"a", obj({{"b", "root a.b"}, {"c", obj({{"d", "deep"}})}})},
                     {"item", obj({{"a", obj({{"x", "1"}})}})},
                     {"name", "outer"},
                     {"", obj({{"b", "empty-key b"}})},
                     {"l", list({obj({{"name", "inner"}}), obj({{"other", "2"}})})}});
  same("{{a.b}} {{a.c.d}} {{a.x}} {{a.b.c}}", d, "root a.b deep  ");
  // item.a has no b: kainjow then tries a.b in the next context down (the spec would not).
  same("{{#item}}{{a.b}}|{{a.x}}{{/item}}", d, "root a.b|1");
  same("{{#l}}{{name}};{{/l}}", d, "inner;outer;");
  same("{{a.}}|{{.b}}|{{a..b}}", obj({{"a", "A"}, {"", obj({{"b", "B"}})}}), "A|B|");
  same("{{#a}}{{#c}}{{.}}{{d}}{{b}}{{/c}}{{/a}}", d, "deeproot a.b");
  same("{{#a.c}}{{d}}{{/a.c}}", d, "deep");
}

TEST_CASE("mustache: a line is dropped only when a rendered section was on it and it is blank") {
  mu::Value d = obj({{"t", true}, {"f", false}, {"l", list({"x", "y"})}, {"s", "S"}});
  same("a\n  {{#t}}\nx\n  {{/t}}\nb", d, "a\nx\nb");
  // A false section is skipped without marking its line: the spaces stay.
  same("a\n  {{#f}}\nx\n  {{/f}}\nb", d, "a\n  \nb");
  same("a\n\t{{^t}}\nx\n\t{{/t}}\t\nb", d, "a\n\t\t\nb");
  same("{{^f}}\nx\n{{/f}}\n", d, "x\n");
  same("<ul>\n  {{#l}}\n  <li>{{.}}</li>\n  {{/l}}\n</ul>\n", d,
       "<ul>\n  <li>x</li>\n  <li>y</li>\n</ul>\n");
  same("{{#l}}{{.}}\n{{/l}}", d, "x\ny\n");
  // A variable that prints nothing or blanks, on a section's line, is dropped with it.
  same("{{#t}} {{missing}} \n{{/t}}z", d, "z");
  same("{{#t}} {{s}} \n{{/t}}z", d, " S \nz");
  // An empty line without a section stays; the last line is judged too.
  same("\n{{#t}}{{/t}}\n\n  {{#t}}{{/t}}  ", d, "\n\n");
  // A lone "\r" is a newline; "\r\n" is one.
  same("{{#t}}\rx\r\n{{/t}}\r\n", d, "x\r\n");
  same("a\r{{#t}} \r{{/t}}b", d, "a\rb");
  // Comments and set-delimiter tags do not count as section tags.
  same("a\n{{! c }}\n{{=<% %>=}}\nb", d, "a\n\n\nb");
}

TEST_CASE("mustache: set delimiters, and {{{ }}} only with the default ones") {
  mu::Value d = obj({{"a", "<x>"}, {"{a}", "braced"}, {"t", true}});
  same("{{=<% %>=}}<%a%>|<%{a}%>|<%&a%>|{{a}}<%={{ }}=%>|{{{a}}}", d,
       "&lt;x&gt;|braced|<x>|{{a}}|<x>");
  same("{{= | | =}}|a| |#t|in|/t| |={{ }}=|{{a}}", d, "&lt;x&gt; in &lt;x&gt;");
  same("{{=[[  ]]=}}[[a]][[={{ }}=]]", d, "&lt;x&gt;");
  same("{{{=<% %>=}}}<%a%>", d, "&lt;x&gt;");  // a set-delimiter tag inside {{{ }}} still counts
  same("{{=<% %>=}}<%{{a}}%>", d, "");         // the name is "{{a}}"
  // A partial is parsed with the default delimiters, whatever the including template set.
  same("{{=<% %>=}}<%> p %>", d, "&lt;x&gt;", {{"p", "{{a}}"}});
}

TEST_CASE("mustache: partials share the including line and context") {
  mu::Value d = obj({{"a", "A"}, {"t", true}, {"l", list({obj({{"a", "1"}}), obj({{"a", "2"}})})}});
  same("[{{> p}}]", d, "[P\nA]", {{"p", "P\n{{a}}"}});
  same("{{#l}}{{>p}},{{/l}}", d, "1,2,", {{"p", "{{a}}"}});
  // The partial's section makes the including line blank-and-dropped.
  same("x\n  {{>p}}\ny", d, "x\ny", {{"p", "{{#t}}{{/t}}  "}});
  same("x\n{{>p}}{{>p}}y", d, "x\ny", {{"p", "{{#t}}\n{{/t}}"}});
  same("[{{>missing}}]", d, "[]");
  same("[{{>p}}]", d, "[AA]", {{"p", "{{a}}{{>q}}"}, {"q", "{{a}}"}});
  // An invalid partial stops what was being walked: the rest of the template, or of this pass of
  // a section (the next items still render).
  same("a{{>bad}}b\nc", d, "a", {{"bad", "{{#x}}"}});
  same("{{#l}}<{{a}}{{>bad}}>{{/l}}!", d, "<1<2!", {{"bad", "{{x"}});
  same("[{{>p}}]after", d, "[A", {{"p", "{{a}}{{>bad}}x"}, {"bad", "{{/y}}"}});
  same("[{{#t}}{{>p}}-{{/t}}]", d, "[A]", {{"p", "{{a}}{{>bad}}x"}, {"bad", "{{/y}}"}});
}

TEST_CASE("mustache: parse errors are kainjow's, with byte offsets") {
  same_error("ab {{name", "Unclosed tag at 3");
  same_error("{{{a}}", "Unclosed tag at 0");
  same_error("x{{", "Unclosed tag at 1");
  same_error("x{{{", "Unclosed tag at 1");
  same_error("{{=<% %>=}}<%a", "Unclosed tag at 11");
  same_error("{{=<%=}}", "Invalid set delimiter tag at 0");
  same_error("a {{= a b c =}}", "Invalid set delimiter tag at 2");
  same_error("{{=a=b c=}}", "Invalid set delimiter tag at 0");
  same_error("{{= =}}", "Invalid set delimiter tag at 0");
  same_error("{{=a b}}", "Invalid set delimiter tag at 0");
  same_error("x {{/x}}", "Unopened section \"x\" at 2");
  same_error("{{#a}}{{/b}}{{/c}}", "Unopened section \"c\" at 12");
  same_error("{{#a}}x{{/b}}", "Unclosed section \"a\" at 0");
  same_error("{{#a}}{{#b}}{{/a}}{{/b}}", "Unclosed section \"a\" at 0");
  same_error("{{#a}}{{#b}}{{/b}}", "Unclosed section \"a\" at 0");
  same_error("{{#a}}{{/a}} {{^b}}{{#c}}{{/c}}", "Unclosed section \"b\" at 13");
  same_error("{{#a}}{{#b}}{{/x}}{{/a}}", "Unclosed section \"b\" at 6");
  same_error("{{#a}}{{/b}} {{x", "Unclosed tag at 13");  // faults while parsing come first
  same_error("{{# a }}\n{{/ b }}", "Unclosed section \"a\" at 0");
  // Nothing is rendered from an invalid template.
  mu::Template t("{{#a}}");
  std::string out = "kept";
  t.render(obj({{"a", true}}), nullptr, out);
  CHECK(out == "kept");
  CHECK(!t.valid());
  mu::Template ok("x");
  CHECK(ok.valid());
  CHECK(ok.error().empty());
}

TEST_CASE("mustache: differential test against kainjow on generated templates") {
  Rng r{0x9E3779B97F4A7C15ull};
  std::size_t cases = 0, errors = 0, renders = 0, nonempty = 0, mismatches = 0;
  for (int n = 0; n < 4000; ++n) {
    Partials partials;
    for (int level = 1; level <= 3; ++level)
      if (r.chance(70)) partials["p" + std::to_string(level)] = Generator(r, level).make(6);
    std::string text = Generator(r, 0).make(28);
    Ours ours(partials);
    for (int k = 0; k < 3; ++k) {
      mu::Value data = make_data(r);
      Result theirs = kainjow_render(text, kainjow_root(data, partials));
      Result mine = ours.render(text, data);
      ++cases;
      if (!theirs.error.empty())
        ++errors;
      else
        ++renders;
      if (!theirs.out.empty()) ++nonempty;
      if (mine.out != theirs.out || mine.error != theirs.error) {
        if (++mismatches <= 5) {
          std::string ps;
          for (const auto& [name, t] : partials) ps += name + "=[" + t + "] ";
          FAIL_CHECK("template [" << text << "] partials " << ps << "\nkainjow [" << theirs.out
                                  << "] " << theirs.error << "\nours    [" << mine.out << "] "
                                  << mine.error);
        }
      }
      if (!theirs.error.empty()) break;  // the data does not matter
    }
  }
  MESSAGE(cases << " cases: " << renders << " renders (" << nonempty << " non-empty), " << errors
                << " errors");
  CHECK(mismatches == 0);
  CHECK(cases >= 8000);
  CHECK(errors >= 100);
  CHECK(renders >= 5000);
  CHECK(nonempty >= 5000);
}

TEST_CASE("mustache: the site's templates render as kainjow renders them") {
  Partials partials = site_partials();
  REQUIRE(partials.count("_head") == 1);
  REQUIRE(partials.count("_foot") == 1);
  std::vector<std::pair<std::string, mu::Value>> pages;
  for (bool activity : {false, true})
    for (bool comments : {false, true})
      pages.emplace_back("persona.mustache",
                         persona_page(activity, comments, activity, comments && !activity));
  pages.emplace_back("index.mustache", index_page(12, true));
  pages.emplace_back("index.mustache", index_page(0, false));
  pages.emplace_back("group.mustache", group_page(5));
  pages.emplace_back("group.mustache", group_page(0));
  pages.emplace_back("_card.mustache", card(3, true));
  pages.emplace_back("_card.mustache", card(4, false));
  pages.emplace_back("_head.mustache", page_base(true, true, false));
  pages.emplace_back("_foot.mustache", page_base(false, false, true));
  std::set<std::string> seen;
  Ours ours(partials);
  for (const auto& [name, data] : pages) {
    CAPTURE(name);
    std::string text = read_template(name);
    Result theirs = kainjow_render(text, kainjow_root(data, partials));
    Result mine = ours.render(text, data);
    CHECK(theirs.error.empty());
    CHECK(mine.error.empty());
    CHECK(mine.out.size() > 150);
    CHECK(mine.out == theirs.out);
    seen.insert(name);
  }
  // Every template in the folder was tried.
  for (const auto& entry : fs::directory_iterator(kTemplates))
    if (entry.path().extension() == ".mustache")
      CHECK(seen.count(entry.path().filename().string()) == 1);
}

TEST_CASE("mustache: one Template renders from several threads at once") {
  Partials partials = site_partials();
  Ours ours(partials);
  const mu::Template page(read_template("persona.mustache"));
  REQUIRE(page.valid());
  const mu::Value data = persona_page(true, true, true, false);
  std::string expected;
  page.render(data, ours.lookup, expected);
  REQUIRE(expected.size() > 1000);
  std::vector<std::string> outs(4);
  std::vector<int> good(4, 0);
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          std::string out;
          page.render(data, ours.lookup, out);
          if (out == expected) ++good[t];
          outs[t] = std::move(out);
        }
      });
    for (auto& th : threads) th.join();
  }
  for (int t = 0; t < 4; ++t) {
    CHECK(good[t] == 200);
    CHECK(outs[t] == expected);
  }
}
