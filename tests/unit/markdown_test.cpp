// Tests of the Markdown export's safety (render/markdown, markdown_safe in render/commonmark):
// the export's .md files must be safe to open in a viewer that allows raw HTML. The oracle is
// cmark itself with unsafe HTML on, as such a viewer renders: no raw HTML node, no image, and
// no link whose destination has a scheme other than http, https or mailto.
#include "render/markdown.h"

#include <cmark.h>
#include <doctest/doctest.h>

#include <cctype>
#include <memory>

#include "hostile.h"
#include "library/library.h"
#include "render/commonmark.h"
#include "support.h"

using namespace persona;
using namespace persona::render;

namespace {

struct DocFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterFree {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

/// The scheme of a URL as a browser reads it: leading spaces and controls skipped, tabs and line
/// ends inside ignored, lowercased; "" for a relative URL.
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

/// What a permissive viewer would find unsafe in a Markdown document, one line each.
std::vector<std::string> unsafe_in(const std::string& md) {
  std::vector<std::string> problems;
  std::unique_ptr<cmark_node, DocFree> doc(
      cmark_parse_document(md.data(), md.size(), CMARK_OPT_UNSAFE));
  std::unique_ptr<cmark_iter, IterFree> it(cmark_iter_new(doc.get()));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    if (ev != CMARK_EVENT_ENTER) continue;
    cmark_node* n = cmark_iter_get_node(it.get());
    const char* lit = cmark_node_get_literal(n);
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_HTML_BLOCK:
        if (std::string_view(lit) != "<!-- end list -->\n")
          problems.push_back(std::string("html block ") + lit);
        break;
      case CMARK_NODE_HTML_INLINE:
        problems.push_back(std::string("inline html ") + lit);
        break;
      case CMARK_NODE_IMAGE:
        problems.push_back(std::string("image ") + cmark_node_get_url(n));
        break;
      case CMARK_NODE_LINK: {
        std::string scheme = scheme_of(cmark_node_get_url(n));
        if (!scheme.empty() && scheme != "http" && scheme != "https" && scheme != "mailto")
          problems.push_back(std::string("link to ") + cmark_node_get_url(n));
        break;
      }
      default:
        break;
    }
  }
  char* html = cmark_render_html(doc.get(), CMARK_OPT_UNSAFE);
  std::string h = html;
  free(html);
  for (const char* bad : {"<script", "<img", "<svg", "<iframe", "href=\"javascript"})
    if (h.find(bad) != std::string::npos) problems.push_back(std::string("in its HTML: ") + bad);
  // An event attribute as markup: inside a tag, not in text (where '<' is "&lt;").
  for (std::size_t at = h.find('<'); at != std::string::npos; at = h.find('<', at + 1)) {
    std::string tag = h.substr(at, h.find('>', at) - at);
    for (std::size_t on = tag.find(" on"); on != std::string::npos; on = tag.find(" on", on + 1))
      problems.push_back("in its HTML: an event attribute in " + tag);
  }
  return problems;
}

/// cmark's HTML for a Markdown text, safe mode: what it means, whatever characters spell it.
std::string meaning(const std::string& md) {
  char* html = cmark_markdown_to_html(md.data(), md.size(), CMARK_OPT_DEFAULT);
  std::string h = html;
  free(html);
  // The comment cmark's CommonMark renderer puts between two lists, as the safe mode shows it.
  for (std::size_t at; (at = h.find("<!-- raw HTML omitted -->\n")) != std::string::npos;)
    h.erase(at, 26);
  return h;
}

Persona hostile_persona(const std::string& text) {
  Persona p;
  p.file = "personas/acme/x.yaml";
  p.pid = "APP-1";
  p.app = text;
  p.name = text;
  p.category = text;
  p.tags = {text};
  for (const auto& def : profile_fields()) {
    if (def.kind == FieldKind::kText)
      p.text[std::string(def.name)] = text;
    else
      p.lists[std::string(def.name)] = {text, "plain", text};
  }
  return p;
}

}  // namespace

TEST_CASE("markdown: text without markup that could run or lead away is kept as written") {
  for (const char* s :
       {"Plain words.", "A *bold* claim, `code`, and\n\n- a list\n- of two\n\n1. one",
        "# Heading\n\n> quoted & \"quotes\" 'single'", "    indented code\n", ""})
    CHECK(markdown_safe(s) == s);
}

TEST_CASE("markdown: raw HTML shows as text, the Markdown around it stays") {
  CHECK(markdown_safe("Hi <script>alert(1)</script> *there*.") ==
        "Hi \\<script\\>alert(1)\\</script\\> *there*.");
  CHECK(markdown_safe("<div onclick=\"x()\">\nblock\n</div>") ==
        "\\<div onclick=\"x()\"\\>\nblock\n\\</div\\>");
  CHECK(markdown_safe("<img src=x onerror=\"alert(1)\">") ==
        "\\<img src=x onerror=\"alert(1)\"\\>");
  CHECK(markdown_safe("Uses <Suspense> boundaries.") == "Uses \\<Suspense\\> boundaries.");
  CHECK(markdown_safe("a\r<script>x</script>") == "a\n\n\\<script\\>x\\</script\\>");
}

TEST_CASE("markdown: links keep http, https and mailto only, in every spelling") {
  CHECK(markdown_safe("[a](https://example.org/x \"T\")") == "[a](https://example.org/x \"T\")");
  CHECK(markdown_safe("[m](mailto:x@example.org)") == "[m](mailto:x@example.org)");
  CHECK(markdown_safe("<https://example.org>") == "<https://example.org>");
  for (const char* s :
       {"[click](javascript:alert(1))", "[click](JaVaScRiPt:alert(1))",
        "[click](&#106;avascript:alert(1))", "[click](<\tjavascript:alert(1)>)",
        "[click]( javascript:alert(1))", "[click](vbscript:msgbox(1))", "[click](data:text/html,x)",
        "[click](../relative)", "[click][r]\n\n[r]: javascript:alert(1)"}) {
    INFO(s);
    CHECK(markdown_safe(s) == "click");
  }
  CHECK(markdown_safe("<javascript:alert(1)>") == "javascript:alert(1)");
  CHECK(markdown_safe("[x](http://a.org/b&#10;c)") == "[x](http://a.org/b%0Ac)");
}

TEST_CASE("markdown: images become links to the image, or their alt text") {
  CHECK(markdown_safe("![pixel](https://tracker.example/p.gif)") ==
        "[pixel](https://tracker.example/p.gif)");
  CHECK(markdown_safe("![svg](data:image/svg+xml;base64,PHN2Zz4=)") == "svg");
  CHECK(markdown_safe("[![i](https://x.org/i.png)](https://x.org/)") == "[i](https://x.org/)");
}

TEST_CASE("markdown: what is rewritten means what it meant, but for its HTML and links") {
  // Lists, emphasis, code, quotes and headings around something that has to be rewritten.
  for (const char* s :
       {"- *one* [ok](https://x.org/)\n- `two` **three**\n\n1. four\n2. five",
        "# Title [x](https://x.org)\n\n> quote _em_ [y](mailto:a@b.c)\n\n```sh\n<b>code</b>\n```",
        "Text with `<code>` and [a [nested] link](https://x.org/ \"t\").\n\n    <pre>\n",
        "- a\n\n* b [l](https://x.org)",
        "Setext [l](https://x.org)\n===\n\n***\n\ntail\\\nbreak"}) {
    INFO(s);
    std::string safe = markdown_safe(s);
    CHECK(meaning(safe) == meaning(s));
    CHECK(unsafe_in(safe).empty());
  }
}

TEST_CASE("markdown: too long to parse, every syntax character is escaped") {
  CHECK(markdown_safe("<b>[x](javascript:1)</b>", 8) == "\\<b\\>\\[x\\](j…");
}

TEST_CASE("markdown: no hostile string leaves markup in the Markdown export") {
  Library lib;
  std::vector<Record> records;
  for (const auto& h : test::hostile_strings()) {
    INFO(h.name);
    CHECK(unsafe_in(markdown_safe(h.text)).empty());
    lib.personas = {hostile_persona(h.text)};
    Record comment;
    comment.pid = "APP-1";
    comment.kind = "comment";
    comment.field = "identity";
    comment.author = h.text;
    comment.text = h.text;
    comment.time = "2026-11-05T00:00:00Z";
    std::map<std::string, PersonaActivity> activity;
    activity["APP-1"].comments = {&comment};
    activity["APP-1"].records = {&comment};
    RenderContext ctx(lib, "", activity);
    std::string md = persona_markdown_document(ctx, lib.personas[0]);
    auto problems = unsafe_in(md);
    CHECK_MESSAGE(problems.empty(), (problems.empty() ? std::string() : problems.front()));
  }
}

TEST_CASE("markdown: the fixture's hostile persona and its comments are defused") {
  LoadOptions o;
  o.now = "2026-11-28T00:00:00Z";
  o.jobs = 1;
  Library lib =
      load_library(std::filesystem::path(PERSONA_SOURCE_DIR) / "tests/golden/export/library", o);
  RenderContext ctx(lib);
  const Persona* p = lib.find("APP-666");
  REQUIRE(p);
  std::string md = persona_markdown_document(ctx, *p);
  auto problems = unsafe_in(md);
  CHECK_MESSAGE(problems.empty(), (problems.empty() ? std::string() : problems.front()));
  CHECK(md.find("name: \"The Hostile "
                "\\u003cscript\\u003ewindow.__pwned=\\\"name\\\"\\u003c/script\\u003e 'Quote\\\" "
                "Persona\"\n") != std::string::npos);
  CHECK(md.find("\\<script\\>window.\\_\\_pwned = \"identity\"; alert(1)\\</script\\>") !=
        std::string::npos);
  CHECK(
      md.find("[a safe link](https://example.org/safe \"a title with \\\"quotes\\\" \\<b\\>\")") !=
      std::string::npos);
  CHECK(md.find("> \\<img src=x onerror=\"window.\\_\\_pwned='comment'\"\\> x \\</script\\>") !=
        std::string::npos);
}
