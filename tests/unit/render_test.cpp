// Tests of src/render/ up to one persona's pages: escaping, safe Markdown, output paths and
// templates. The whole-library export (writer, manifest, formats, golden files) is in
// export_test.cpp.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>

#include "core/error.h"
#include "core/hash.h"
#include "library/library.h"
#include "render/commonmark.h"
#include "render/escape.h"
#include "render/export.h"
#include "render/formats.h"
#include "render/html.h"
#include "render/json.h"
#include "render/links.h"
#include "render/markdown.h"
#include "render/templates.h"
#include "render_support.h"
#include "schema/schema.h"
#include "support.h"
#include "yaml/tree.h"

using namespace persona;
using namespace persona::render;
using namespace persona::test;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Escaping

TEST_CASE("render: html_escape covers element and attribute contexts") {
  CHECK(html_escape(R"(<a href="x" title='y'>&amp;</a>)") ==
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  CHECK(html_escape("plain — text") == "plain — text");
}

TEST_CASE("render: url_encode keeps only unreserved characters") {
  CHECK(url_encode("APP-153") == "APP-153");
  CHECK(url_encode("goals[2]") == "goals%5B2%5D");
  CHECK(url_encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
}

TEST_CASE("render: only http, https and mailto links are safe") {
  CHECK(is_safe_url("https://example.org/x"));
  CHECK(is_safe_url("HTTP://example.org"));
  CHECK(is_safe_url("mailto:someone@example.org"));
  CHECK_FALSE(is_safe_url("javascript:alert(1)"));
  CHECK_FALSE(is_safe_url("JaVaScRiPt:alert(1)"));
  CHECK_FALSE(is_safe_url(" javascript:alert(1)"));
  CHECK_FALSE(is_safe_url("\x01javascript:alert(1)"));
  CHECK_FALSE(is_safe_url("java\tscript:alert(1)"));
  CHECK_FALSE(is_safe_url("data:text/html,<script>alert(1)</script>"));
  CHECK_FALSE(is_safe_url("data:image/png;base64,AAAA"));
  CHECK_FALSE(is_safe_url("vbscript:msgbox(1)"));
  CHECK_FALSE(is_safe_url("file:///etc/passwd"));
  CHECK_FALSE(is_safe_url("../../etc/passwd"));
  CHECK_FALSE(is_safe_url("//evil.example/"));
  CHECK_FALSE(is_safe_url("https:"));
  CHECK_FALSE(is_safe_url("https:evil"));
  CHECK_FALSE(is_safe_url(""));
}

TEST_CASE("render: href_attribute encodes what could leave the attribute") {
  CHECK(href_attribute("https://x.org/a b\"<>`'") == "https://x.org/a%20b%22%3C%3E%60%27");
  CHECK(href_attribute("https://x.org/?a=1&b=2") == "https://x.org/?a=1&amp;b=2");
}

TEST_CASE("render: JSON for a script cannot close the element") {
  std::string j = nlohmann::json("</script><script>alert(1)</script> & \xE2\x80\xA8 \xE2\x80\xA9")
                      .dump(-1, ' ', false);
  std::string safe = script_safe_json(j);
  CHECK(safe ==
        "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u0026 \\u2028 "
        "\\u2029\"");
  CHECK(safe.find('<') == std::string::npos);
  // Still the same JSON value.
  CHECK(nlohmann::json::parse(safe) == nlohmann::json::parse(j));
}

TEST_CASE("render: URL templates get URL-encoded values") {
  CHECK(fill_url_template("https://x.org/new?pid={pid}&field={field}&other={other}",
                          {{"pid", "APP-1"}, {"field", "goals[2]"}}) ==
        "https://x.org/new?pid=APP-1&field=goals%5B2%5D&other={other}");
  CHECK(fill_url_template("https://x.org/{pid", {{"pid", "x"}}) == "https://x.org/{pid");
}

TEST_CASE("render: markdown_escape neutralises inline syntax") {
  CHECK(markdown_escape("The *Evil* [x](javascript:1) <b>|</b>") ==
        "The \\*Evil\\* \\[x\\](javascript:1) \\<b\\>\\|\\</b\\>");
}

// ---------------------------------------------------------------------------------------------
// Markdown to safe HTML

TEST_CASE("render: raw HTML is shown as text, never passed through") {
  CHECK(markdown_html("Hi <script>alert(1)</script> there.") ==
        "<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; there.</p>\n");
  CHECK(markdown_html("<div onclick=\"x()\">\nblock\n</div>") ==
        "<p>&lt;div onclick=&quot;x()&quot;&gt;\nblock\n&lt;/div&gt;</p>\n");
  CHECK(markdown_html("<svg onload=alert(1)>") == "<p>&lt;svg onload=alert(1)&gt;</p>\n");
  CHECK(markdown_html("Uses <Suspense> boundaries.") ==
        "<p>Uses &lt;Suspense&gt; boundaries.</p>\n");
}

TEST_CASE("render: links keep http, https and mailto only") {
  CHECK(
      markdown_html("[a](https://example.org/x \"T\")") ==
      "<p><a href=\"https://example.org/x\" title=\"T\" rel=\"nofollow ugc noopener\">a</a></p>\n");
  CHECK(markdown_html("[m](mailto:x@example.org)") ==
        "<p><a href=\"mailto:x@example.org\" rel=\"nofollow ugc noopener\">m</a></p>\n");
  CHECK(markdown_html("[click](javascript:alert(1))") == "<p>click</p>\n");
  CHECK(markdown_html("[e](&#106;avascript:alert(1))") == "<p>e</p>\n");
  CHECK(markdown_html("[d](data:text/html,x) and [r](../x)") == "<p>d and r</p>\n");
  CHECK(markdown_html("<javascript:alert(1)>") == "<p>javascript:alert(1)</p>\n");
  CHECK(markdown_html("<https://example.org>") ==
        "<p><a href=\"https://example.org\" rel=\"nofollow ugc "
        "noopener\">https://example.org</a></p>\n");
}

TEST_CASE("render: images become links, so a page loads nothing from elsewhere") {
  CHECK(
      markdown_html("![pixel](https://tracker.example/p.gif)") ==
      "<p><a href=\"https://tracker.example/p.gif\" rel=\"nofollow ugc noopener\">pixel</a></p>\n");
  CHECK(markdown_html("![svg](data:image/svg+xml;base64,PHN2Zz4=)") == "<p>svg</p>\n");
  CHECK(markdown_html("[![i](https://x.org/i.png)](https://x.org/)") ==
        "<p><a href=\"https://x.org/\" rel=\"nofollow ugc noopener\">i</a></p>\n");
}

TEST_CASE("render: headings shift down to keep the page's order") {
  HtmlOptions o;
  o.heading_offset = 2;
  CHECK(markdown_html("# One\n\n###### Six", o) == "<h3>One</h3>\n<h6>Six</h6>\n");
}

TEST_CASE("render: known pids become links to their pages") {
  std::map<std::string, MentionLink> m = {{"APP-153", {"app-153.html", "The \"Data\" Architect"}}};
  HtmlOptions o;
  o.mentions = &m;
  o.unwrap_paragraph = true;
  CHECK(markdown_html("APP-153 and APP-1530, xAPP-153, APP-999 and `APP-153`.", o) ==
        "<a class=\"mention\" href=\"app-153.html\" title=\"The &quot;Data&quot; "
        "Architect\">APP-153</a>"
        " and APP-1530, xAPP-153, APP-999 and <code>APP-153</code>.");
  CHECK(markdown_html("[see APP-153](https://x.org/)", o) ==
        "<a href=\"https://x.org/\" rel=\"nofollow ugc noopener\">see APP-153</a>");
}

TEST_CASE("render: invalid UTF-8 is replaced, not passed on") {
  CHECK(markdown_html("bad \xff byte") == "<p>bad \xEF\xBF\xBD byte</p>\n");
}

TEST_CASE("render: text over the cap is not parsed, only escaped") {
  HtmlOptions o;
  o.max_bytes = 10;
  CHECK(markdown_html("**bold** <b>and more text", o) ==
        "<p class=\"too-long\">**bold** &lt;…</p>\n");
  CHECK(markdown_html("ééééééé", o) == "<p class=\"too-long\">ééééé…</p>\n");
}

TEST_CASE("render: pathological Markdown renders in bounded time") {
  std::vector<std::string> inputs = {
      std::string(8000, '['),
      std::string(8000, '*'),
      std::string(4000, '>'),
      [] {
        std::string s;
        for (int i = 0; i < 2000; ++i) s += "*a _b ";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 2000; ++i) s += "[a](";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 1000; ++i) s += "- ";
        return s + "x";
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 2600; ++i) s += "<a ";
        return s;
      }(),
      std::string(kMaxMarkdownBytes * 4, 'x'),
  };
  for (const auto& in : inputs) {
    auto start = std::chrono::steady_clock::now();
    std::string html = markdown_html(in);
    std::string text = markdown_text(in);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    CHECK(ms < 1000);
    CHECK(html.find("<script") == std::string::npos);
  }
}

TEST_CASE("render: random Markdown never yields markup of its own") {
  // Pieces of syntax and attacks, shuffled: the output may only hold cmark's own tags, and
  // links only to http, https or mailto.
  const std::vector<std::string> pieces = {"<",
                                           ">",
                                           "&",
                                           "\"",
                                           "'",
                                           "`",
                                           "*",
                                           "_",
                                           "[",
                                           "]",
                                           "(",
                                           ")",
                                           "!",
                                           "#",
                                           "-",
                                           " ",
                                           "\n",
                                           "\n\n",
                                           "<script>",
                                           "</script>",
                                           "<img src=x onerror=alert(1)>",
                                           "javascript:",
                                           "data:",
                                           "https://x.org/",
                                           "mailto:a@b.c",
                                           "[a](",
                                           "](",
                                           "<a href=",
                                           "&#106;",
                                           "&lt;",
                                           "APP-153",
                                           "<svg/onload=alert(1)>",
                                           "    ",
                                           "> ",
                                           "1. ",
                                           "```",
                                           "<!--",
                                           "-->",
                                           "<![CDATA[",
                                           "\\"};
  const std::set<std::string> allowed = {"p",  "em", "strong", "code",       "pre", "a",
                                         "ul", "ol", "li",     "blockquote", "h1",  "h2",
                                         "h3", "h4", "h5",     "h6",         "hr",  "br"};
  std::map<std::string, MentionLink> m = {{"APP-153", {"app-153.html", "x"}}};
  HtmlOptions o;
  o.mentions = &m;
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 8); };
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    for (int i = next() % 40; i > 0; --i) in += pieces[next() % pieces.size()];
    std::string html = markdown_html(in, o);
    for (std::size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
      std::size_t end = html.find_first_of(" >/", at + 1);
      std::string tag =
          html.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
      if (tag.empty() && end != std::string::npos && html[end] == '/') {
        std::size_t close = html.find('>', end);
        tag = html.substr(end + 1, close - end - 1);
      }
      CHECK_MESSAGE(allowed.count(tag), "input: " << in << "\noutput: " << html);
    }
    for (std::size_t at = html.find("href=\""); at != std::string::npos;
         at = html.find("href=\"", at + 1)) {
      std::string href = html.substr(at + 6, html.find('"', at + 6) - at - 6);
      bool ok = href.rfind("https://", 0) == 0 || href.rfind("http://", 0) == 0 ||
                href.rfind("mailto:", 0) == 0 || href == "app-153.html";
      CHECK_MESSAGE(ok, "input: " << in << "\nhref: " << href);
    }
  }
}

TEST_CASE("render: plain text, excerpts and first sentences") {
  CHECK(markdown_text("A **bold** `code` [link](https://x.org)\nnext <b>tag</b>\n\n- one\n- two") ==
        "A bold code link next <b>tag</b> one two");
  CHECK(shorten("one two three four", 9) == "one two…");
  CHECK(shorten("short", 9) == "short");
  CHECK(shorten("ééé ééé ééé", 5) == "ééé…");
  CHECK(first_sentence("The shift was quiet. Then more.", 100) == "The shift was quiet.");
  CHECK(first_sentence("We use e.g. Braze. Then.", 100) == "We use e.g. Braze.");
  CHECK(first_sentence("No end here", 100) == "No end here");
}

// ---------------------------------------------------------------------------------------------
// Paths and links

TEST_CASE("render: output paths are checked before every write") {
  CHECK(is_safe_output_path("index.html"));
  CHECK(is_safe_output_path("personas/app-153.html"));
  CHECK(is_safe_output_path("README.md"));
  CHECK_FALSE(is_safe_output_path(""));
  CHECK_FALSE(is_safe_output_path("/etc/passwd"));
  CHECK_FALSE(is_safe_output_path("../x.html"));
  CHECK_FALSE(is_safe_output_path("personas/../../x.html"));
  CHECK_FALSE(is_safe_output_path("personas/./x.html"));
  CHECK_FALSE(is_safe_output_path("personas//x.html"));
  CHECK_FALSE(is_safe_output_path("personas/x.html/"));
  CHECK_FALSE(is_safe_output_path(".persona-export.json"));
  CHECK_FALSE(is_safe_output_path("a\\..\\b"));
  CHECK_FALSE(is_safe_output_path("a b.html"));
}

TEST_CASE("render: page paths come from slugs whatever a pid or category says") {
  std::vector<Persona> ps = {persona_with("../../../etc/passwd", "x", "../../up"),
                             persona_with("APP-1", "x", "a b"), persona_with("app 1", "x", "a-b"),
                             persona_with("%%%", "x", "C")};
  SitePaths paths(ps);
  CHECK(paths.persona("../../../etc/passwd", ".html") == "personas/etc-passwd.html");
  CHECK(paths.category("../../up") == "categories/up.html");
  // "APP-1" and "app 1" share a slug; the second in sorted order gets a hash.
  CHECK(paths.persona("APP-1", ".html") == "personas/app-1.html");
  CHECK(paths.persona("app 1", ".html").rfind("personas/app-1-", 0) == 0);
  CHECK(paths.persona("app 1", ".html") != "personas/app-1.html");
  CHECK(paths.category("a b") == "categories/a-b.html");
  CHECK(paths.category("a-b") != "categories/a-b.html");
  CHECK(paths.persona("%%%", ".json").rfind("personas/x-", 0) == 0);
  std::set<std::string> all;
  for (const auto& p : ps) {
    CHECK(is_safe_output_path(paths.persona(p.pid, ".html")));
    CHECK(is_safe_output_path(paths.category(p.category)));
    all.insert(paths.persona(p.pid, ".html"));
  }
  CHECK(all.size() == ps.size());
}

TEST_CASE("render: the contribute link") {
  Config c;
  CHECK(contribute_url(c, "APP-153", "goals", "extend") == "");
  c.repository = "https://github.com/acme/personas/";
  CHECK(contribute_url(c, "APP-153", "goals[2]", "correct") ==
        "https://github.com/acme/personas/issues/new?template=contribution.yml&pid=APP-153&"
        "field=goals%5B2%5D&kind=correct");
  c.contribute_url = "https://forms.example/{kind}?p={pid}&f={field}";
  CHECK(contribute_url(c, "APP-1 & <x>", "identity", "confirm") ==
        "https://forms.example/confirm?p=APP-1%20%26%20%3Cx%3E&f=identity");
  c.contribute_url = "javascript:alert('{pid}')";
  CHECK(contribute_url(c, "APP-1", "identity", "confirm") == "");
}

TEST_CASE("render: root prefix and labels") {
  CHECK(root_prefix("index.html") == "");
  CHECK(root_prefix("personas/app-1.html") == "../");
  CHECK(humanize("data-infrastructure") == "Data infrastructure");
}

// ---------------------------------------------------------------------------------------------
// Templates

TEST_CASE("render: the built-in templates load without problems") {
  auto load = load_templates(std::nullopt);
  CHECK(load.diagnostics.empty());
  for (const char* name :
       {"index.mustache", "persona.mustache", "group.mustache", "_card.mustache", "_head.mustache",
        "_foot.mustache", "site.css", "search.js", "favicon.svg"})
    CHECK_MESSAGE(load.templates.files.count(name) == 1, name);
  CHECK(load.templates.assets() ==
        std::vector<std::string>{"favicon.svg", "search.js", "site.css"});
}

TEST_CASE("render: a broken template is reported with its file, line and column") {
  auto d =
      check_template("my/persona.mustache",
                     "<h1>{{name}}</h1>\n<ul>\n  {{#sections}}\n  <li>{{label}}</li>\n</ul>\n");
  REQUIRE(d.size() == 1);
  CHECK(d[0].file == "my/persona.mustache");
  CHECK(d[0].line == 3);
  CHECK(d[0].column == 3);
  CHECK(d[0].message == "unclosed section 'sections'");
  CHECK(d[0].hint == "close it with {{/sections}}");

  d = check_template("t.mustache", "a\nb {{name\n");
  REQUIRE(d.size() == 1);
  CHECK(d[0].line == 2);
  CHECK(d[0].column == 3);
  CHECK(d[0].message == "unclosed tag");

  d = check_template("t.mustache", "x {{/open}}");
  REQUIRE(d.size() == 1);
  CHECK(d[0].message == "{{/open}} closes a section that is not open");
  CHECK(check_template("t.mustache", "{{#a}}{{b}}{{/a}}").empty());
}

TEST_CASE("render: overrides replace built-in templates file by file") {
  TempDir dir;
  spit(dir.path / "site.css", "body { color: red }\n");
  spit(dir.path / "_card.mustache", "<li>{{pid}}</li>\n");
  auto load = load_templates(dir.path);
  CHECK(load.diagnostics.empty());
  CHECK(load.templates.text("site.css") == "body { color: red }\n");
  CHECK(load.templates.files.at("_card.mustache").origin ==
        (dir.path / "_card.mustache").generic_string());
  CHECK(load.templates.files.at("index.mustache").origin == "src/render/templates/index.mustache");
}

TEST_CASE("render: unknown templates, unknown partials and cycles are refused") {
  TempDir dir;
  spit(dir.path / "persona.mustach", "x");
  spit(dir.path / "group.mustache", "{{> _head}}\n{{> _cards}}\n");
  spit(dir.path / "_foot.mustache", "{{> _card}}");
  spit(dir.path / "_card.mustache", "{{> _foot}}");
  spit(dir.path / ".DS_Store", "ignored");
  auto load = load_templates(dir.path);
  REQUIRE(load.diagnostics.size() == 4);
  std::string d = dir.path.generic_string() + "/";
  CHECK(load.diagnostics[0].file == d + "_card.mustache");
  CHECK(load.diagnostics[0].message == "partial '_card' includes itself (_card -> _foot -> _card)");
  CHECK(load.diagnostics[1].file == d + "_foot.mustache");
  CHECK(load.diagnostics[2].file == d + "group.mustache");
  CHECK(load.diagnostics[2].line == 2);
  CHECK(load.diagnostics[2].message == "unknown partial '_cards'");
  CHECK(load.diagnostics[2].hint == "did you mean '_card'?");
  CHECK(load.diagnostics[3].file == d + "persona.mustach");
  CHECK(load.diagnostics[3].message == "unknown template 'persona.mustach'");
  CHECK(load.diagnostics[3].hint == "did you mean 'persona.mustache'?");
}

TEST_CASE("render: a missing templates directory is an I/O error") {
  CHECK_THROWS_AS(load_templates(fs::path("/nonexistent/templates")), Error);
}

TEST_CASE("render: template data is escaped and never read as a partial") {
  TemplateSet t;
  t.files["page.mustache"] = {"<p title=\"{{v}}\">{{v}}</p>{{{v_html}}}", "page.mustache"};
  mustache::Value data = mustache::Value::object();
  data.set("v", "<\"'&>");
  data.set("v_html", "<b>ok</b>");
  CHECK(t.render("page.mustache", data) ==
        "<p title=\"&lt;&quot;&#39;&amp;&gt;\">&lt;&quot;&#39;&amp;&gt;</p><b>ok</b>");
  // Partials come from the template files: a value named like one is never read as a template.
  t.files["_card.mustache"] = {"<i>{{v}}</i>", "_card.mustache"};
  t.files["list.mustache"] = {"{{> _card}}|{{_card}}", "list.mustache"};
  mustache::Value hostile = mustache::Value::object();
  hostile.set("_card", "<script>{{v}}</script>");
  hostile.set("v", "x");
  CHECK(t.render("list.mustache", hostile) == "<i>x</i>|&lt;script&gt;{{v}}&lt;/script&gt;");
}

// ---------------------------------------------------------------------------------------------
// The fixture library and its pages

TEST_CASE("render: the fixture library loads cleanly with its records") {
  const Library& lib = fixture();
  CHECK(lib.diagnostics.empty());
  CHECK(lib.personas.size() == 4);
  CHECK(lib.records.size() == 14);
}

TEST_CASE("render: a persona page has every section with its community state") {
  RenderContext ctx(fixture());
  FileSet site = build_export(ctx, {"html"}, &builtin_templates());
  const std::string& page = site.at("personas/app-153.html");
  for (const auto& def : profile_fields()) {
    CHECK(page.find("<section class=\"field-section\" id=\"" + std::string(def.name) + "\"") !=
          std::string::npos);
    CHECK(page.find("field=" + std::string(def.name) + "&amp;kind=confirm") != std::string::npos);
  }
  CHECK(page.find("<li class=\"stat stat-confirm\" title=\"People who confirmed the text as it "
                  "reads now\">2 confirmations</li>") != std::string::npos);
  CHECK(page.find("<li class=\"stat stat-correct\" title=\"Corrections proposed to this field\">1 "
                  "correction</li>") != std::string::npos);
  CHECK(page.find("1 confirmation of an earlier version") != std::string::npos);
  CHECK(page.find("<time datetime=\"2026-10-01T09:00:00Z\">2026-10-01</time>") !=
        std::string::npos);
  CHECK(page.find("<h2 id=\"comments-title\">3 comments</h2>") != std::string::npos);
  CHECK(page.find(
            "https://github.com/persona-library/persona/issues/"
            "new?template=contribution.yml&amp;pid=APP-153&amp;field=scenario&amp;kind=extend") !=
        std::string::npos);
  CHECK(
      page.find(
          "<link rel=\"canonical\" href=\"https://personas.example.org/personas/app-153.html\">") !=
      std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
}

TEST_CASE("render: the hostile persona's pages carry none of its markup") {
  RenderContext ctx(fixture());
  FileSet site = build_export(ctx, {"html"}, &builtin_templates());
  for (const auto& [path, data] : site) {
    if (path.find(".html") == std::string::npos) continue;
    INFO(path);
    // Our own scripts only, and only on the index.
    std::size_t scripts = 0;
    for (std::size_t at = data.find("<script"); at != std::string::npos;
         at = data.find("<script", at + 1))
      ++scripts;
    // search-index.js, its one shard (a library this small has one) and search.js.
    CHECK(scripts == (path == "index.html" ? 3u : 0u));
    for (const char* bad :
         {"<img", "<svg", "<iframe", "<object", "<math", "<style", "<base", "<details open",
          "href=\"javascript:", "href=\"data:", "onerror=\"", "onload=\"", "onclick=\"",
          "http-equiv=\"refresh", "<a href=\"javascript", "<form action=\"https://evil"})
      CHECK_MESSAGE(data.find(bad) == std::string::npos, bad);
  }
  std::string index = site.at(kSearchIndexPath);
  CHECK(site.count("assets/search/0.js") == 1);
  for (const auto& [path, data] : site)
    if (path.rfind("assets/search/", 0) == 0) index += data;
  CHECK(index.find('<') == std::string::npos);
  CHECK(index.find('>') == std::string::npos);
  CHECK(index.find("\\u003c/script\\u003e") != std::string::npos);
  CHECK(index.find("\xE2\x80\xA8") == std::string::npos);
  CHECK(index.find("\\u2028") != std::string::npos);
}

TEST_CASE("render: the search index is split into shards by a hash of the pid") {
  CHECK(search_shard_count(0) == 1);
  CHECK(search_shard_count(200) == 1);
  CHECK(search_shard_count(201) == 2);
  CHECK(search_shard_count(10000) == 64);
  CHECK(search_shard_count(12800) == 64);
  CHECK(search_shard_count(12801) == 128);
  // FNV-1a (64 bits) of the pid: the same shard in every export, on every machine.
  CHECK(search_shard_of("APP-116", 64) == 57);
  CHECK(search_shard_of("APP-153", 64) == 14);
  CHECK(search_shard_of("APP-200", 1) == 0);
  CHECK(search_shard_path(3) == "assets/search/3.js");

  Library lib = fixture();
  lib.records.clear();
  for (int i = 0; i < 450; ++i)
    lib.personas.push_back(persona_with("APP-" + std::to_string(1000 + i), "acme", "tools"));
  std::sort(lib.personas.begin(), lib.personas.end(),
            [](const Persona& a, const Persona& b) { return a.pid < b.pid; });
  RenderContext ctx(lib);
  FileSet site = build_export(ctx, {"html"}, &builtin_templates());
  const std::string& index = site.at("index.html");
  CHECK(index.find("<script src=\"assets/search-index.js\"></script>\n<script "
                   "src=\"assets/search/0.js\"></script>\n"
                   "<script src=\"assets/search/1.js\"></script>\n<script "
                   "src=\"assets/search/2.js\"></script>\n"
                   "<script src=\"assets/search/3.js\"></script>\n<script "
                   "src=\"assets/search.js\"></script>\n") != std::string::npos);
  CHECK(site.at(kSearchIndexPath) == search_index_script());
  CHECK(search_index_script().find(
            "window.PERSONA_SEARCH = {\"fields\":[{\"name\":\"identity\",") != std::string::npos);
  CHECK(search_index_script().find(",\"personas\":[]};\n") != std::string::npos);
  CHECK(site.count("assets/search/4.js") == 0);
  // Each persona in its own shard, in pid order.
  std::size_t entries = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    INFO("shard " << k);
    const std::string& shard = site.at(search_shard_path(k));
    CHECK(shard.rfind(search_shard_head(), 0) == 0);
    CHECK(shard.substr(shard.size() - search_shard_tail().size()) == search_shard_tail());
    std::size_t at = 0;
    for (const auto& p : lib.personas) {
      std::size_t found = shard.find("{\"pid\":\"" + p.pid + "\",");
      CHECK((found != std::string::npos) == (search_shard_of(p.pid, 4) == k));
      if (found == std::string::npos) continue;
      CHECK(found > at);
      at = found;
      ++entries;
    }
  }
  CHECK(entries == lib.personas.size());
}

TEST_CASE("render: a site without personas loads an empty search index") {
  Library lib = fixture();
  lib.personas.clear();
  lib.records.clear();
  RenderContext ctx(lib);
  FileSet site = build_export(ctx, {"html"}, &builtin_templates());
  CHECK(site.at("index.html").find("<script src=\"assets/search/0.js\"></script>") !=
        std::string::npos);
  CHECK(site.at("assets/search/0.js") == search_shard_head() + search_shard_tail());
  CHECK(search_shard_head() + search_shard_tail() ==
        "// Generated by persona export: entries of the search index (assets/search-index.js).\n"
        "window.PERSONA_SEARCH.personas.push();\n");
}

TEST_CASE("render: the standalone page inlines its style and runs no script") {
  RenderContext ctx(fixture());
  std::string page = standalone_persona_page(ctx, builtin_templates(), *fixture().find("APP-666"));
  CHECK(page.find("<style>") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("<link rel=\"stylesheet\"") == std::string::npos);
  CHECK(page.find("default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;") !=
        std::string::npos);
}

TEST_CASE("render: Markdown for show stays as it was, list items keep their lines") {
  Persona p = persona_with("APP-1", "Acme", "tools");
  p.name = "The Acme *Star*";
  p.tags = {"a"};
  p.text["identity"] = "Who.";
  p.lists["goals"] = {"one", "two\nlines"};
  std::string md = persona_markdown(p);
  CHECK(md.rfind("# The Acme *Star*\n\n`APP-1` · Acme · tools · #a\n\n## Identity\n\nWho.\n\n## "
                 "Intention\n\n",
                 0) == 0);
  CHECK(md.find("## Goals\n\n- one\n- two\n  lines\n") != std::string::npos);
  MarkdownOptions o;
  o.escape_metadata = true;
  CHECK(persona_markdown(p, o).rfind("# The Acme \\*Star\\*\n", 0) == 0);
}
