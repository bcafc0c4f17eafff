// Rendering one persona to HTML (its page in the site and on its own) and to Markdown (as the
// export writes it), on any bytes: the input is read as a persona file and, when it validates,
// rendered; and it is put as Markdown into every field, list item and a comment of a persona
// made in code, and rendered. Properties of every output:
//  - HTML: every element and attribute is one the templates or cmark's renderer write (no on*
//    attribute at all), and every URL (href, src, action, formaction) is relative or http,
//    https or mailto;
//  - Markdown, read by cmark with unsafe HTML on (as a permissive viewer reads it): no raw HTML
//    (but cmark's own end-of-list comment), no image, and every link relative or http, https or
//    mailto.
#include <cmark.h>

#include <cctype>
#include <memory>
#include <set>

#include "fuzz.h"
#include "library/library.h"
#include "render/html.h"
#include "render/markdown.h"
#include "render/templates.h"
#include "schema/schema.h"

namespace {

using namespace persona;
using namespace persona::render;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_';
}

/// Element and attribute names the templates write (every tag of every template), and cmark's.
struct Allowed {
  std::set<std::string> elements = {"p",  "em", "strong", "code",       "pre", "ul",
                                    "ol", "li", "a",      "blockquote", "h1",  "h2",
                                    "h3", "h4", "h5",     "h6",         "hr",  "br"};
  std::set<std::string> attributes = {"href", "title", "rel", "class", "start"};
  Allowed() {
    for (const auto& [name, file] : load_templates(std::nullopt).templates.files) {
      if (!name.ends_with(".mustache")) continue;
      const std::string& t = file.text;
      for (std::size_t i = t.find('<'); i != std::string::npos; i = t.find('<', i + 1)) {
        std::size_t j = i + 1;
        if (j < t.size() && t[j] == '/') ++j;
        std::size_t start = j;
        while (j < t.size() && name_char(t[j])) ++j;
        if (j == start || !std::isalpha(static_cast<unsigned char>(t[start]))) continue;
        elements.insert(lower(t.substr(start, j - start)));
        // Attribute names: each word of the tag outside quotes and {{...}}.
        char quote = 0;
        while (j < t.size() && (quote || t[j] != '>')) {
          if (t.compare(j, 2, "{{") == 0) {
            std::size_t close = t.find("}}", j);
            j = close == std::string::npos ? t.size() : close + 2;
            continue;
          }
          char c = t[j];
          if (quote) {
            if (c == quote) quote = 0;
            ++j;
          } else if (c == '"' || c == '\'') {
            quote = c;
            ++j;
          } else if (std::isalpha(static_cast<unsigned char>(c))) {
            std::size_t a = j;
            while (j < t.size() && name_char(t[j])) ++j;
            attributes.insert(lower(t.substr(a, j - a)));
          } else {
            ++j;
          }
        }
      }
    }
  }
};

/// The scheme of a URL as a browser reads it ("" when relative): leading spaces and controls
/// skipped, tabs and line ends inside ignored, lowercased.
std::string scheme_of(std::string_view url) {
  std::string s;
  std::size_t i = 0;
  while (i < url.size() && static_cast<unsigned char>(url[i]) <= 0x20) ++i;
  for (; i < url.size(); ++i) {
    char c = url[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == ':') return s;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "";
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return "";
}

bool allowed_scheme(std::string_view url) {
  std::string s = scheme_of(url);
  return s.empty() || s == "http" || s == "https" || s == "mailto";
}

/// An attribute value with its character references decoded (the ones an attacker would use).
std::string decode_entities(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '&') {
      out += v[i];
      continue;
    }
    std::size_t semi = v.find(';', i);
    std::string_view ref = v.substr(i + 1, semi == std::string_view::npos ? 0 : semi - i - 1);
    long cp = -1;
    if (ref.size() > 1 && ref[0] == '#')
      cp = (ref[1] == 'x' || ref[1] == 'X')
               ? std::strtol(std::string(ref.substr(2)).c_str(), nullptr, 16)
               : std::strtol(std::string(ref.substr(1)).c_str(), nullptr, 10);
    else if (ref == "amp")
      cp = '&';
    else if (ref == "quot")
      cp = '"';
    else if (ref == "lt")
      cp = '<';
    else if (ref == "gt")
      cp = '>';
    else if (ref == "colon")
      cp = ':';
    else if (ref == "Tab")
      cp = '\t';
    else if (ref == "NewLine")
      cp = '\n';
    if (cp < 0 || cp > 0x7f) {
      out += v[i];
      continue;
    }
    out += static_cast<char>(cp);
    i = semi;
  }
  return out;
}

void check_html(const std::string& html, const Allowed& allowed, const char* what) {
  auto fail = [&](const std::string& why) { fuzz::violated(std::string(what) + ": " + why, html); };
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string::npos) {
    if (html.compare(i, 4, "<!--") == 0) {
      std::size_t end = html.find("-->", i + 4);
      if (end == std::string::npos) fail("an unclosed comment");
      i = end + 3;
      continue;
    }
    if (html.compare(i, 2, "<!") == 0) {
      i = html.find('>', i);
      if (i == std::string::npos) fail("an unclosed declaration");
      continue;
    }
    std::size_t j = i + 1;
    bool closing = j < html.size() && html[j] == '/';
    if (closing) ++j;
    std::size_t start = j;
    while (j < html.size() && name_char(html[j])) ++j;
    if (j == start || !std::isalpha(static_cast<unsigned char>(html[start])))
      fail("a bare '<' in text");
    std::string name = lower(html.substr(start, j - start));
    if (!allowed.elements.count(name)) fail("element <" + name + ">");
    // Attributes, as the HTML tokenizer reads them.
    while (true) {
      while (j < html.size() &&
             (std::isspace(static_cast<unsigned char>(html[j])) || html[j] == '/'))
        ++j;
      if (j >= html.size()) fail("an unclosed tag <" + name);
      if (html[j] == '>') break;
      std::size_t a = j;
      while (j < html.size() && !std::isspace(static_cast<unsigned char>(html[j])) &&
             html[j] != '=' && html[j] != '>' && html[j] != '/')
        ++j;
      std::string attr = lower(html.substr(a, j - a));
      std::string value;
      while (j < html.size() && std::isspace(static_cast<unsigned char>(html[j]))) ++j;
      if (j < html.size() && html[j] == '=') {
        ++j;
        while (j < html.size() && std::isspace(static_cast<unsigned char>(html[j]))) ++j;
        if (j < html.size() && (html[j] == '"' || html[j] == '\'')) {
          std::size_t close = html.find(html[j], j + 1);
          if (close == std::string::npos) fail("an unclosed attribute value");
          value = html.substr(j + 1, close - j - 1);
          j = close + 1;
        } else {
          std::size_t v = j;
          while (j < html.size() && !std::isspace(static_cast<unsigned char>(html[j])) &&
                 html[j] != '>')
            ++j;
          value = html.substr(v, j - v);
        }
      }
      if (closing) fail("an attribute on a closing tag");
      if (attr.starts_with("on") || !allowed.attributes.count(attr))
        fail("attribute " + attr + " on <" + name + ">");
      if ((attr == "href" || attr == "src" || attr == "action" || attr == "formaction") &&
          !allowed_scheme(decode_entities(value)))
        fail(attr + "=\"" + value + "\" on <" + name + ">");
    }
    i = j + 1;
    if (!closing && (name == "script" || name == "style")) {
      // Raw text: the element ends at the first "</script" (or "</style"), whatever it is in.
      std::size_t end = lower(html).find("</" + name, i);
      if (end == std::string::npos) fail("an unclosed <" + name + ">");
      i = end;
    }
  }
}

struct DocFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterFree {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

void check_markdown(const std::string& md) {
  std::unique_ptr<cmark_node, DocFree> doc(
      cmark_parse_document(md.data(), md.size(), CMARK_OPT_UNSAFE));
  std::unique_ptr<cmark_iter, IterFree> it(cmark_iter_new(doc.get()));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    if (ev != CMARK_EVENT_ENTER) continue;
    cmark_node* n = cmark_iter_get_node(it.get());
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_HTML_BLOCK:
        if (std::string_view(cmark_node_get_literal(n)) != "<!-- end list -->\n")
          fuzz::violated(std::string("Markdown: raw HTML block ") + cmark_node_get_literal(n), md);
        break;
      case CMARK_NODE_HTML_INLINE:
        fuzz::violated(std::string("Markdown: raw inline HTML ") + cmark_node_get_literal(n), md);
      case CMARK_NODE_IMAGE:
        fuzz::violated(std::string("Markdown: image ") + cmark_node_get_url(n), md);
      case CMARK_NODE_LINK:
        if (!allowed_scheme(cmark_node_get_url(n)))
          fuzz::violated(std::string("Markdown: link to ") + cmark_node_get_url(n), md);
        break;
      default:
        break;
    }
  }
}

void render_all(const Persona& p, const std::string& comment) {
  static const Allowed allowed;
  static const TemplateLoad templates = load_templates(std::nullopt);
  Library lib;
  lib.config.repository = "https://github.com/persona-library/persona";
  lib.personas = {p};
  Record r;
  r.pid = p.pid;
  r.kind = "comment";
  r.field = "identity";
  r.author = "A. Contributor";
  r.text = comment;
  r.time = "2026-11-05T00:00:00Z";
  std::map<std::string, PersonaActivity> activity;
  activity[p.pid].comments = {&r};
  activity[p.pid].records = {&r};
  RenderContext ctx(lib, "", activity);
  check_html(standalone_persona_page(ctx, templates.templates, lib.personas[0]), allowed,
             "standalone page");
  check_html(site_persona_page(ctx, templates.templates, lib.personas[0], ctx.activity_of(p.pid),
                               mention_links(ctx, "../")),
             allowed, "site page");
  check_markdown(persona_markdown_document(ctx, lib.personas[0]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto schema = schema::Schema::builtin("persona");
  std::string text = fuzz::text_of(data, size);
  // The input as a persona file.
  PersonaFile f = check_persona_text("personas/acme/acme-tester.yaml", text, *schema, false);
  if (f.ok()) render_all(build_persona(f), text);
  // The input as Markdown in every field of a persona.
  // (Short texts only: each is rendered some thirty times, and speed is coverage.)
  if (size > 4096) return 0;
  Persona p;
  p.file = "personas/acme/acme-tester.yaml";
  p.pid = "APP-1";
  p.app = "Acme";
  p.name = "The Acme Tester";
  p.category = "tools";
  for (const auto& def : profile_fields()) {
    if (def.kind == FieldKind::kText)
      p.text[std::string(def.name)] = text;
    else
      p.lists[std::string(def.name)] = {"APP-1", text};
  }
  render_all(p, text);
  return 0;
}
