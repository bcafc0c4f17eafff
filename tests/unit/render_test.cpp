// Tests of src/render/: escaping, safe Markdown, output paths, templates, the export writer, the
// JSON schema of the export, and the golden files of each format (UPDATE_GOLDEN=1 rewrites them
// from the library in tests/golden/export/library; review the diff before committing it).
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
#include "schema/schema.h"
#include "yaml/tree.h"
#include "support.h"

using namespace persona;
using namespace persona::render;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = PERSONA_SOURCE_DIR;
const fs::path kFixture = kSource / "tests/golden/export/library";
const fs::path kGolden = kSource / "tests/golden/export/expected";

using test::slurp;

void spit(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

using test::read_tree;

using test::TempDir;

const Library& fixture() {
  static const Library lib = [] {
    LoadOptions o;
    o.now = "2026-11-28T00:00:00Z";
    o.jobs = 1;
    return load_library(kFixture, o);
  }();
  return lib;
}

const TemplateSet& builtin_templates() {
  static const TemplateLoad load = load_templates(std::nullopt);
  return load.templates;
}

Persona persona_with(std::string pid, std::string app, std::string category) {
  Persona p;
  p.pid = std::move(pid);
  p.app = std::move(app);
  p.category = std::move(category);
  p.name = "The " + p.app + " Tester";
  return p;
}

/// A disk that fails on its n-th write, like a full disk halfway through an export: the failing
/// write leaves half its bytes in its file (as a full disk does) before it gives up, and counts
/// how many writes it was asked for.
class FailingDisk : public Disk {
 public:
  explicit FailingDisk(int fail_at) : left_(fail_at) {}
  Written write(const fs::path& path, bool beside, const std::function<void(const Piece&)>& fill) override {
    ++writes;
    if (--left_ != 0) return Disk::write(path, beside, fill);
    std::string data;
    fill([&](std::string_view piece) { data += piece; });
    Disk::Written half = Disk::write(path, beside, [&](const Piece& put) { put(data.substr(0, data.size() / 2)); });
    fs::remove(half.path);  // what Disk::write does when its write fails
    throw io_error("cannot write " + path.filename().string() + ": No space left on device");
  }
  int writes = 0;

 private:
  int left_;
};

}  // namespace

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
  std::string j = nlohmann::json("</script><script>alert(1)</script> & \xE2\x80\xA8 \xE2\x80\xA9").dump(-1, ' ', false);
  std::string safe = script_safe_json(j);
  CHECK(safe == "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u0026 \\u2028 \\u2029\"");
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
  CHECK(markdown_html("Uses <Suspense> boundaries.") == "<p>Uses &lt;Suspense&gt; boundaries.</p>\n");
}

TEST_CASE("render: links keep http, https and mailto only") {
  CHECK(markdown_html("[a](https://example.org/x \"T\")") ==
        "<p><a href=\"https://example.org/x\" title=\"T\" rel=\"nofollow ugc noopener\">a</a></p>\n");
  CHECK(markdown_html("[m](mailto:x@example.org)") ==
        "<p><a href=\"mailto:x@example.org\" rel=\"nofollow ugc noopener\">m</a></p>\n");
  CHECK(markdown_html("[click](javascript:alert(1))") == "<p>click</p>\n");
  CHECK(markdown_html("[e](&#106;avascript:alert(1))") == "<p>e</p>\n");
  CHECK(markdown_html("[d](data:text/html,x) and [r](../x)") == "<p>d and r</p>\n");
  CHECK(markdown_html("<javascript:alert(1)>") == "<p>javascript:alert(1)</p>\n");
  CHECK(markdown_html("<https://example.org>") ==
        "<p><a href=\"https://example.org\" rel=\"nofollow ugc noopener\">https://example.org</a></p>\n");
}

TEST_CASE("render: images become links, so a page loads nothing from elsewhere") {
  CHECK(markdown_html("![pixel](https://tracker.example/p.gif)") ==
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
        "<a class=\"mention\" href=\"app-153.html\" title=\"The &quot;Data&quot; Architect\">APP-153</a>"
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
  CHECK(markdown_html("**bold** <b>and more text", o) == "<p class=\"too-long\">**bold** &lt;…</p>\n");
  CHECK(markdown_html("ééééééé", o) == "<p class=\"too-long\">ééééé…</p>\n");
}

TEST_CASE("render: pathological Markdown renders in bounded time") {
  std::vector<std::string> inputs = {
      std::string(8000, '['), std::string(8000, '*'), std::string(4000, '>'),
      [] { std::string s; for (int i = 0; i < 2000; ++i) s += "*a _b "; return s; }(),
      [] { std::string s; for (int i = 0; i < 2000; ++i) s += "[a]("; return s; }(),
      [] { std::string s; for (int i = 0; i < 1000; ++i) s += "- "; return s + "x"; }(),
      [] { std::string s; for (int i = 0; i < 2600; ++i) s += "<a "; return s; }(),
      std::string(kMaxMarkdownBytes * 4, 'x'),
  };
  for (const auto& in : inputs) {
    auto start = std::chrono::steady_clock::now();
    std::string html = markdown_html(in);
    std::string text = markdown_text(in);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    CHECK(ms < 1000);
    CHECK(html.find("<script") == std::string::npos);
  }
}

TEST_CASE("render: random Markdown never yields markup of its own") {
  // Pieces of syntax and attacks, shuffled: the output may only hold cmark's own tags, and
  // links only to http, https or mailto.
  const std::vector<std::string> pieces = {
      "<", ">", "&", "\"", "'", "`", "*", "_", "[", "]", "(", ")", "!", "#", "-", " ", "\n",
      "\n\n", "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "data:",
      "https://x.org/", "mailto:a@b.c", "[a](", "](", "<a href=", "&#106;", "&lt;", "APP-153",
      "<svg/onload=alert(1)>", "    ", "> ", "1. ", "```", "<!--", "-->", "<![CDATA[", "\\"};
  const std::set<std::string> allowed = {"p", "em", "strong", "code", "pre", "a", "ul", "ol", "li",
                                         "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br"};
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
      std::string tag = html.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
      if (tag.empty() && end != std::string::npos && html[end] == '/') {
        std::size_t close = html.find('>', end);
        tag = html.substr(end + 1, close - end - 1);
      }
      CHECK_MESSAGE(allowed.count(tag), "input: " << in << "\noutput: " << html);
    }
    for (std::size_t at = html.find("href=\""); at != std::string::npos; at = html.find("href=\"", at + 1)) {
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
  for (const char* name : {"index.mustache", "persona.mustache", "group.mustache", "_card.mustache",
                           "_head.mustache", "_foot.mustache", "site.css", "search.js", "favicon.svg"})
    CHECK_MESSAGE(load.templates.files.count(name) == 1, name);
  CHECK(load.templates.assets() == std::vector<std::string>{"favicon.svg", "search.js", "site.css"});
}

TEST_CASE("render: a broken template is reported with its file, line and column") {
  auto d = check_template("my/persona.mustache", "<h1>{{name}}</h1>\n<ul>\n  {{#sections}}\n  <li>{{label}}</li>\n</ul>\n");
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
  CHECK(load.templates.files.at("_card.mustache").origin == (dir.path / "_card.mustache").generic_string());
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
    CHECK(page.find("<section class=\"field-section\" id=\"" + std::string(def.name) + "\"") != std::string::npos);
    CHECK(page.find("field=" + std::string(def.name) + "&amp;kind=confirm") != std::string::npos);
  }
  CHECK(page.find("<li class=\"stat stat-confirm\" title=\"People who confirmed the text as it reads now\">2 confirmations</li>") != std::string::npos);
  CHECK(page.find("<li class=\"stat stat-correct\" title=\"Corrections proposed to this field\">1 correction</li>") != std::string::npos);
  CHECK(page.find("1 confirmation of an earlier version") != std::string::npos);
  CHECK(page.find("<time datetime=\"2026-10-01T09:00:00Z\">2026-10-01</time>") != std::string::npos);
  CHECK(page.find("<h2 id=\"comments-title\">3 comments</h2>") != std::string::npos);
  CHECK(page.find("https://github.com/persona-library/persona/issues/new?template=contribution.yml&amp;pid=APP-153&amp;field=scenario&amp;kind=extend") != std::string::npos);
  CHECK(page.find("<link rel=\"canonical\" href=\"https://personas.example.org/personas/app-153.html\">") != std::string::npos);
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
    for (std::size_t at = data.find("<script"); at != std::string::npos; at = data.find("<script", at + 1)) ++scripts;
    // search-index.js, its one shard (a library this small has one) and search.js.
    CHECK(scripts == (path == "index.html" ? 3u : 0u));
    for (const char* bad : {"<img", "<svg", "<iframe", "<object", "<math", "<style", "<base", "<details open",
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
  CHECK(index.find("<script src=\"assets/search-index.js\"></script>\n<script src=\"assets/search/0.js\"></script>\n"
                   "<script src=\"assets/search/1.js\"></script>\n<script src=\"assets/search/2.js\"></script>\n"
                   "<script src=\"assets/search/3.js\"></script>\n<script src=\"assets/search.js\"></script>\n") !=
        std::string::npos);
  CHECK(site.at(kSearchIndexPath) == search_index_script());
  CHECK(search_index_script().find("window.PERSONA_SEARCH = {\"fields\":[{\"name\":\"identity\",") !=
        std::string::npos);
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
  CHECK(site.at("index.html").find("<script src=\"assets/search/0.js\"></script>") != std::string::npos);
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
  CHECK(page.find("default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;") != std::string::npos);
}

TEST_CASE("render: Markdown for show stays as it was, list items keep their lines") {
  Persona p = persona_with("APP-1", "Acme", "tools");
  p.name = "The Acme *Star*";
  p.tags = {"a"};
  p.text["identity"] = "Who.";
  p.lists["goals"] = {"one", "two\nlines"};
  std::string md = persona_markdown(p);
  CHECK(md.rfind("# The Acme *Star*\n\n`APP-1` · Acme · tools · #a\n\n## Identity\n\nWho.\n\n## Intention\n\n", 0) == 0);
  CHECK(md.find("## Goals\n\n- one\n- two\n  lines\n") != std::string::npos);
  MarkdownOptions o;
  o.escape_metadata = true;
  CHECK(persona_markdown(p, o).rfind("# The Acme \\*Star\\*\n", 0) == 0);
}

// ---------------------------------------------------------------------------------------------
// JSON export and its schema

namespace {

std::vector<Diagnostic> validate_export_json(const std::string& text, const std::string& file) {
  yaml::Limits limits;
  limits.max_file_bytes = 64 << 20;
  limits.max_scalar_bytes = 1 << 20;
  limits.max_nodes = 10000000;
  // JSON is YAML: the project's reader gives the tree the schema module validates.
  auto parsed = yaml::parse(text, file, limits);
  if (!parsed.root) return parsed.diagnostics;
  auto doc = schema::to_json(*parsed.root);
  CHECK(doc == nlohmann::json::parse(text));
  return schema::Schema::builtin("export")->validate(*parsed.root, doc, file);
}

}  // namespace

TEST_CASE("export: every JSON file validates against schema/export.schema.json") {
  for (const Library* lib : {&fixture()}) {
    RenderContext ctx(*lib);
    FileSet files = build_export(ctx, {"json"}, nullptr);
    CHECK(files.size() == lib->personas.size() + 1);
    for (const auto& [path, text] : files) {
      auto d = validate_export_json(text, path);
      CHECK_MESSAGE(d.empty(), path << ": " << (d.empty() ? "" : d[0].message));
    }
  }
  // The bundled library too.
  LoadOptions o;
  o.jobs = 1;
  Library bundled = load_library(kSource, o);
  RenderContext ctx(bundled);
  auto d = validate_export_json(library_document(ctx), "library.json");
  CHECK(d.empty());
}

TEST_CASE("export: the schema rejects what the export never writes") {
  RenderContext ctx(fixture());
  auto doc = nlohmann::json::parse(persona_document(ctx, *fixture().find("APP-153")));
  CHECK(validate_export_json(doc.dump(), "ok.json").empty());
  auto bad = doc;
  bad["persona"]["community"]["fields"]["identity"]["confirmations"] = -1;
  CHECK_FALSE(validate_export_json(bad.dump(), "bad.json").empty());
  bad = doc;
  bad["persona"]["fields"].erase("jtbd");
  CHECK_FALSE(validate_export_json(bad.dump(), "bad.json").empty());
  bad = doc;
  bad["kind"] = "library";
  CHECK_FALSE(validate_export_json(bad.dump(), "bad.json").empty());
  bad = doc;
  bad["persona"]["community"]["last_activity"] = "yesterday";
  CHECK_FALSE(validate_export_json(bad.dump(), "bad.json").empty());
}

TEST_CASE("export: community figures in JSON") {
  RenderContext ctx(fixture());
  auto j = nlohmann::json::parse(persona_document(ctx, *fixture().find("APP-153")));
  const auto& c = j["persona"]["community"];
  CHECK(c["contributions"] == 8);
  CHECK(c["contributors"] == 7);
  CHECK(c["last_activity"] == "2026-11-03T11:11:00Z");
  CHECK(c["fields"]["identity"]["confirmations"] == 2);
  CHECK(c["fields"]["scenario"]["earlier_confirmations"] == 1);
  CHECK(c["fields"]["scenario"]["corrections"] == 1);
  CHECK(c["fields"]["goals"]["extensions"] == 1);
  CHECK(c["fields"]["worldview"]["last_activity"].is_null());
  CHECK(c["comments"].size() == 3);
  CHECK(c["comments"][0]["field"].is_null());
  CHECK(c["comments"][2]["field"] == "frustrations[1]");
}

// ---------------------------------------------------------------------------------------------
// The writer: atomic, incremental, deterministic, contained

TEST_CASE("export: builds are deterministic") {
  RenderContext a(fixture()), b(fixture());
  auto all = format_names();
  CHECK(build_export(a, all, &builtin_templates()) == build_export(b, all, &builtin_templates()));
}

namespace {

/// The names in `dir`, not recursing.
std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

/// Every path under `dir` (files, directories, links), recursing.
std::set<std::string> paths_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(fs::relative(e.path(), dir).generic_string());
  return out;
}

/// The content files of an export: its tree without the manifest.
FileSet content_of(const fs::path& dir) {
  FileSet t = read_tree(dir);
  t.erase(kManifestFile);
  return t;
}

ino_t inode(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_ino;
}

/// Sends `files`, each with its own key ("k-" and its bytes), asking reuse() first; `made`
/// collects the paths that had to be made.
WriteReport export_keyed(const FileSet& files, const fs::path& out, Disk& disk, std::vector<std::string>* made = nullptr) {
  return write_export(out, disk, [&](Sink& sink) {
    for (const auto& [path, data] : files) {
      std::string key = "k-" + data;
      if (sink.reuse(path, key)) continue;
      if (made) made->push_back(path);
      sink.file(path, data, key);
    }
  });
}

/// Exports `files` into `out` again, checking that every file was kept as it was and none made.
void check_all_kept(const FileSet& files, const fs::path& out, Disk& disk) {
  std::vector<std::string> made;
  WriteReport r = export_keyed(files, out, disk, &made);
  CHECK(made.empty());
  CHECK(r.unchanged == files.size());
}

/// A disk that checks, at every rename, that the file it replaces is still whole: a reader
/// sees the old bytes or the new ones, never a file being written.
class WatchingDisk : public Disk {
 public:
  explicit WatchingDisk(FileSet old) : old_(std::move(old)) {}
  void rename(const fs::path& from, const fs::path& to) override {
    std::string name = to.filename().string();
    if (old_.count(name)) {
      CHECK(slurp(to) == old_[name]);
      ++checked;
    }
    Disk::rename(from, to);
  }
  int checked = 0;

 private:
  FileSet old_;
};

}  // namespace

TEST_CASE("export: writes, then rewrites only what changed, then removes what went") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "one"}, {"personas/a.html", "a"}, {"personas/b.html", "b"}, {"old/x.html", "x"}};
  WriteReport r = write_export(files, out, disk);
  CHECK(r.written == 4);
  CHECK(r.unchanged == 0);
  CHECK(report_line(r, "site") == "wrote 4 files, 0 unchanged, to site");
  CHECK(read_tree(out).size() == 5);

  files["personas/b.html"] = "b2";
  files.erase("personas/a.html");
  files.erase("old/x.html");
  files["personas/c.html"] = "c";
  r = write_export(files, out, disk);
  CHECK(report_line(r, "site") == "wrote 2 files, 1 unchanged, 2 removed, to site");
  auto tree = read_tree(out);
  CHECK(tree.count("personas/a.html") == 0);
  CHECK(tree.at("personas/b.html") == "b2");
  // A directory left empty goes with its files.
  CHECK_FALSE(fs::exists(out / "old"));
  auto manifest = nlohmann::json::parse(tree.at(kManifestFile));
  CHECK(manifest["format"] == 3);
  CHECK(manifest["files"]["personas/c.html"][0] == "3410062ba67c5ed59b854387a8bc0ec012479368");  // printf c | git hash-object --stdin
  CHECK(manifest["files"]["personas/c.html"][1] == 1);
  CHECK(manifest["files"]["personas/c.html"][3] == inode(out / "personas/c.html"));
  CHECK(manifest["files"].size() == 3);

  r = write_export(files, out, disk);
  CHECK(report_line(r, "site") == "wrote 0 files, 3 unchanged, to site");
  // Nothing else is left beside the output, nor in it.
  CHECK(names_in(tmp.path) == std::set<std::string>{"site"});
  CHECK(paths_in(out) == std::set<std::string>{kManifestFile, "index.html", "personas", "personas/b.html", "personas/c.html"});
}

TEST_CASE("export: a previous export is updated in place, file by file") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  write_export({{"a.html", "a"}, {"b.html", "b"}}, out, disk);
  ino_t dir = inode(out), a = inode(out / "a.html"), b = inode(out / "b.html");
  struct stat before {};
  ::lstat((out / "a.html").c_str(), &before);
  WatchingDisk watching({{"a.html", "a"}, {"b.html", "b"}});
  WriteReport r = write_export({{"a.html", "a"}, {"b.html", "b2 longer"}}, out, watching);
  CHECK(r.written == 1);
  CHECK(watching.checked == 1);  // b.html was still whole when b2 replaced it
  CHECK(inode(out) == dir);
  // The unchanged file is left as it was; the changed one is a new file renamed over it.
  struct stat after {};
  ::lstat((out / "a.html").c_str(), &after);
  CHECK(after.st_ino == a);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  CHECK(inode(out / "b.html") != b);
  CHECK(slurp(out / "b.html") == "b2 longer");
  CHECK(names_in(out) == std::set<std::string>{kManifestFile, "a.html", "b.html"});
}

TEST_CASE("export: a file kept by its key must still be the file the previous export wrote") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"personas/a.html", "page a"}, {"personas/b.html", "page b"}, {"personas/c.html", "page c"}};
  std::vector<std::string> made;
  export_keyed(files, out, disk, &made);
  CHECK(made.size() == 3);

  // Edited by hand in place (same size, same inode), replaced by another file, and removed.
  std::ofstream(out / "personas/a.html", std::ios::binary | std::ios::trunc) << "PAGE A";
  fs::remove(out / "personas/b.html");
  spit(out / "personas/b.html", "PAGE B");
  fs::remove(out / "personas/c.html");
  made.clear();
  WriteReport r = export_keyed(files, out, disk, &made);
  CHECK(made == std::vector<std::string>{"personas/a.html", "personas/b.html", "personas/c.html"});
  CHECK(r.written == 3);
  CHECK(content_of(out) == files);

  made.clear();
  r = export_keyed(files, out, disk, &made);
  CHECK(made.empty());
  CHECK(r.unchanged == 3);
}

TEST_CASE("export: files are kept by their key in many directories") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  // More directories than the writer keeps open.
  FileSet files = {{"index.html", "i"}};
  for (int i = 0; i < 80; ++i)
    files["d" + std::to_string(i) + "/sub/p.html"] = "page " + std::to_string(i);
  export_keyed(files, out, disk);
  // A directory that became a file, and one that became a link, since.
  fs::remove_all(out / "d5");
  spit(out / "d5", "a file");
  fs::remove_all(out / "d77/sub");
  fs::create_directory_symlink(out / "d78/sub", out / "d77/sub");
  std::vector<std::string> made;
  WriteReport r = export_keyed(files, out, disk, &made);
  CHECK(made == std::vector<std::string>{"d5/sub/p.html", "d77/sub/p.html"});
  CHECK(r.unchanged == files.size() - 2);
  CHECK(content_of(out) == files);
  CHECK_FALSE(fs::is_symlink(out / "d77/sub"));
}

TEST_CASE("export: a large file's blob id, made aside, is the file's") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  std::string big(5 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096)
    big[i] = static_cast<char>('a' + i / 4096 % 26);
  auto run = [&](const std::string& data, std::optional<std::uint64_t> size) {
    return write_export(out, disk, [&](Sink& sink) {
      sink.file_pieces("assets/big.js", size, {}, [&](const Piece& put) {
        for (std::size_t at = 0; at < data.size(); at += 1000)
          put(std::string_view(data).substr(at, 1000));
      });
      sink.file("index.html", "i");
    });
  };
  auto blob_of = [&] {
    return nlohmann::json::parse(slurp(out / kManifestFile))["files"]["assets/big.js"][0];
  };
  for (auto size : {std::optional<std::uint64_t>(big.size()), std::optional<std::uint64_t>()}) {
    INFO("size " << (size ? "known" : "unknown"));
    fs::remove_all(out);
    run(big, size);
    CHECK(blob_of() == blob_id(big));
    CHECK(report_line(run(big, size), "site") == "wrote 0 files, 2 unchanged, to site");
    CHECK(blob_of() == blob_id(big));
    std::string other = big;
    other[123] = '!';
    CHECK(report_line(run(other, size), "site") == "wrote 1 file, 1 unchanged, to site");
    CHECK(slurp(out / "assets/big.js") == other);
    CHECK(blob_of() == blob_id(other));
  }
}

TEST_CASE("export: a failure midway leaves whole files, and the next export completes it") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet v1 = {{"index.html", "v1"}, {"personas/a.html", "a1"}, {"personas/b.html", "b1"}, {"personas/old.html", "o"}};
  write_export(v1, out, disk);
  std::string manifest = slurp(out / kManifestFile);
  FileSet v2 = {{"index.html", "v2 index"}, {"personas/a.html", "a2 page"}, {"personas/b.html", "b2 page"},
                {"personas/new.html", "n"}};
  FailingDisk failing(2);
  CHECK_THROWS_WITH_AS(write_export(v2, out, failing), "cannot write a.html: No space left on device", Error);
  CHECK(failing.writes == 2);
  // Every file is whole, old or new; nothing of the failed export is left; the manifest is the
  // previous one, and what it lists is still there.
  FileSet now = content_of(out);
  CHECK(now.at("index.html") == "v2 index");
  CHECK(now.at("personas/a.html") == "a1");
  CHECK(now.at("personas/b.html") == "b1");
  CHECK(now.at("personas/old.html") == "o");
  CHECK(now.size() == 4);
  CHECK(slurp(out / kManifestFile) == manifest);
  CHECK(names_in(out / "personas") == std::set<std::string>{"a.html", "b.html", "old.html"});
  CHECK(names_in(tmp.path) == std::set<std::string>{"site"});

  WriteReport r = write_export(v2, out, disk);
  CHECK(report_line(r, "site") == "wrote 3 files, 1 unchanged, 1 removed, to site");
  CHECK(content_of(out) == v2);
  write_export(v2, tmp.path / "fresh", disk);
  CHECK(content_of(out) == content_of(tmp.path / "fresh"));
}

TEST_CASE("export: a failure in a new directory leaves nothing") {
  TempDir tmp;
  FailingDisk failing(2);
  CHECK_THROWS_AS(write_export({{"a.html", "a"}, {"b.html", "b"}}, tmp.path / "site", failing), Error);
  CHECK(fs::is_empty(tmp.path));
}

TEST_CASE("export: what an interrupted export left is removed by the next one") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  write_export(files, out, disk);
  // Temporary files of a killed export, and a file it renamed into place before the manifest.
  spit(out / ".index.html.persona-tmp-Ab12Cd", "half");
  spit(out / "personas/.a.html.persona-tmp-xyz123", "ha");
  spit(out / "apps/.x.html.persona-tmp-q1w2e3", "h");
  spit(out / "personas/b.html", "a page no manifest lists");
  WriteReport r = write_export(files, out, disk);
  CHECK(report_line(r, "site") == "wrote 0 files, 2 unchanged, to site");
  CHECK(paths_in(out) == std::set<std::string>{kManifestFile, "index.html", "personas", "personas/a.html"});
}

TEST_CASE("export: a damaged, foreign or older manifest still marks an export, made again whole") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  for (std::string manifest : {std::string("{\"format\": 3, \"files\": {\"index.html\": [\"x\""),  // cut short
                               std::string("[1, 2, 3]"), std::string("{\"format\": \"two\", \"renderer\": 3}"),
                               std::string("{\"format\": 3, \"renderer\": \"\", \"files\": {\"index.html\": 7}}"),
                               // What persona wrote before files were updated in place.
                               "{\n  \"format\": 1,\n  \"generator\": \"persona export\",\n  \"renderer\": \"" +
                                   renderer_id() +
                                   "\",\n  \"files\": {\n    \"personas/a.html\": "
                                   "\"2e65efe2a145dda7ee51d1741299f848e5bf752e\"\n  },\n  \"keys\": {\n    "
                                   "\"personas/a.html\": \"k-a\"\n  },\n  \"state\": \"persona html stream 1\\n3:123\"\n}\n"}) {
    INFO(manifest);
    fs::remove_all(out);
    spit(out / "personas/a.html", "an older a");
    spit(out / "personas/gone.html", "g");
    spit(out / kManifestFile, manifest);
    std::vector<std::string> made;
    WriteReport r = export_keyed(files, out, disk, &made);
    CHECK(made.size() == 2);
    CHECK(r.written == 2);
    CHECK(content_of(out) == files);
    CHECK(nlohmann::json::parse(slurp(out / kManifestFile))["format"] == 3);
  }
}

TEST_CASE("export: a manifest rewritten by a JSON tool is still read whole") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  export_keyed(files, out, disk);
  // Members in another order (nlohmann sorts them), no spacing.
  auto manifest = nlohmann::json::parse(slurp(out / kManifestFile));
  REQUIRE(manifest["files"].size() == 2);
  std::ofstream(out / kManifestFile, std::ios::binary | std::ios::trunc) << manifest.dump();
  check_all_kept(files, out, disk);
}

TEST_CASE("export: each file's key is on its line of the manifest; the older layout is made again") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  export_keyed(files, out, disk);
  auto manifest = nlohmann::json::parse(slurp(out / kManifestFile));
  CHECK(manifest["files"]["personas/a.html"].size() == 5);
  CHECK(manifest["files"]["personas/a.html"][4] == "k-a");
  CHECK_FALSE(manifest.contains("keys"));
  // What persona wrote before the keys moved onto the files' lines: the same files, stats and keys.
  nlohmann::json older = manifest;
  older["format"] = 2;
  for (auto& [path, v] : older["files"].items()) {
    older["keys"][path] = v[4];
    v.erase(4);
  }
  std::ofstream(out / kManifestFile, std::ios::binary | std::ios::trunc) << older.dump(2);
  std::vector<std::string> made;
  export_keyed(files, out, disk, &made);
  CHECK(made.size() == 2);
  check_all_kept(files, out, disk);
}

TEST_CASE("export: keys that need escaping are read back from the manifest") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"a.html", "say \"hi\" \\ \n\t\x01 \xc3\xa9"}, {"b.html", "b"}};
  export_keyed(files, out, disk);
  std::string escaped = "\"k-say \\\"hi\\\" \\\\ \\n\\t\\u0001 \xc3\xa9\"";
  CHECK(slurp(out / kManifestFile).find(escaped) != std::string::npos);
  check_all_kept(files, out, disk);
}

TEST_CASE("export: a file is sent once") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  CHECK_THROWS_WITH_AS(write_export(out, disk,
                                    [](Sink& sink) {
                                      sink.file("a.html", "1");
                                      sink.file("a.html", "2");
                                    }),
                       "export writes a.html twice", std::logic_error);
  CHECK_FALSE(fs::exists(out));
  export_keyed({{"a.html", "a"}}, out, disk);
  CHECK_THROWS_WITH_AS(write_export(out, disk,
                                    [](Sink& sink) {
                                      CHECK(sink.reuse("a.html", "k-a"));
                                      sink.reuse("a.html", "k-a");
                                    }),
                       "export writes a.html twice", std::logic_error);
  CHECK_THROWS_WITH_AS(write_export(out, disk,
                                    [](Sink& sink) {
                                      CHECK(sink.reuse("a.html", "k-a"));
                                      sink.file("a.html", "a", "k-a");
                                    }),
                       "export writes a.html twice", std::logic_error);
  CHECK(content_of(out) == FileSet{{"a.html", "a"}});
}

TEST_CASE("export: a directory that is not an export is never replaced") {
  TempDir tmp;
  Disk disk;
  spit(tmp.path / "notes/todo.txt", "keep me");
  CHECK_THROWS_WITH_AS(write_export({{"index.html", "x"}}, tmp.path / "notes", disk),
                       ("refusing to replace '" + (tmp.path / "notes").string() +
                        "': it is not empty and holds no previous export").c_str(),
                       Error);
  CHECK(slurp(tmp.path / "notes/todo.txt") == "keep me");
  CHECK(names_in(tmp.path / "notes") == std::set<std::string>{"todo.txt"});
  spit(tmp.path / "file", "x");
  CHECK_THROWS_WITH_AS(write_export({{"index.html", "x"}}, tmp.path / "file", disk),
                       ("'" + (tmp.path / "file").string() + "' exists and is not a directory").c_str(), Error);
  // An empty directory is filled in place.
  fs::create_directory(tmp.path / "empty");
  ino_t dir = inode(tmp.path / "empty");
  CHECK(write_export({{"index.html", "x"}}, tmp.path / "empty", disk).written == 1);
  CHECK(inode(tmp.path / "empty") == dir);
  CHECK(slurp(tmp.path / "empty/index.html") == "x");
}

TEST_CASE("export: a path that leaves the output directory is refused before writing") {
  TempDir tmp;
  Disk disk;
  CHECK_THROWS_WITH_AS(write_export({{"../escape.html", "x"}}, tmp.path / "site", disk),
                       "refusing to write '../escape.html': not a plain path inside the output directory", Error);
  CHECK_FALSE(fs::exists(tmp.path / "escape.html"));
  CHECK_FALSE(fs::exists(tmp.path / "site"));
  CHECK_THROWS_WITH_AS(write_export({{"a/.b.html.persona-tmp-abcdef", "x"}}, tmp.path / "site", disk),
                       "refusing to write 'a/.b.html.persona-tmp-abcdef': not a plain path inside the output directory",
                       Error);
}

TEST_CASE("export: no write goes through a symlink inside the output directory") {
  TempDir tmp;
  Disk disk;
  fs::path out = tmp.path / "site";
  write_export({{"personas/a.html", "a"}}, out, disk);
  fs::create_directory(tmp.path / "elsewhere");
  spit(tmp.path / "elsewhere/a.html", "not ours");
  fs::remove_all(out / "personas");
  fs::create_directory_symlink(tmp.path / "elsewhere", out / "personas");
  write_export({{"personas/a.html", "a2"}, {"personas/b.html", "b"}}, out, disk);
  CHECK_FALSE(fs::is_symlink(out / "personas"));
  CHECK(slurp(out / "personas/a.html") == "a2");
  CHECK(names_in(tmp.path / "elsewhere") == std::set<std::string>{"a.html"});
  CHECK(slurp(tmp.path / "elsewhere/a.html") == "not ours");
}

TEST_CASE("export: a file is not kept through a symlink inside the output directory") {
  TempDir tmp;
  Disk disk;
  fs::path out = tmp.path / "site";
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  export_keyed(files, out, disk);
  // The very file (a hard link: same inode, size and mtime), reached through a link.
  fs::create_directory(tmp.path / "elsewhere");
  fs::create_hard_link(out / "personas/a.html", tmp.path / "elsewhere/a.html");
  fs::remove_all(out / "personas");
  fs::create_directory_symlink(tmp.path / "elsewhere", out / "personas");
  std::vector<std::string> made;
  export_keyed(files, out, disk, &made);
  CHECK(made == std::vector<std::string>{"personas/a.html"});
  CHECK_FALSE(fs::is_symlink(out / "personas"));
  CHECK(content_of(out) == files);
  CHECK(names_in(tmp.path / "elsewhere") == std::set<std::string>{"a.html"});
}

TEST_CASE("export: through a symlink, the directory it points to is updated") {
  TempDir tmp;
  Disk disk;
  write_export({{"index.html", "1"}}, tmp.path / "real", disk);
  fs::create_directory_symlink(tmp.path / "real", tmp.path / "link");
  write_export({{"index.html", "2"}}, tmp.path / "link", disk);
  CHECK(fs::is_symlink(tmp.path / "link"));
  CHECK(slurp(tmp.path / "real/index.html") == "2");
}

namespace {

/// Passes files on, counting the persona files (those with an input key) that had to be made.
class CountingSink : public Sink {
 public:
  explicit CountingSink(Sink& next) : next_(next) {}
  bool reuse(const std::string& path, const std::string& key) override { return next_.reuse(path, key); }
  void file(const std::string& path, std::string data, const std::string& key) override {
    if (!key.empty()) made.push_back(path);
    next_.file(path, std::move(data), key);
  }
  std::vector<std::string> made;

 private:
  Sink& next_;
};

Library load_copy(const fs::path& root) {
  LoadOptions o;
  o.now = "2026-11-28T00:00:00Z";
  o.jobs = 1;
  return load_library(root, o);
}

}  // namespace

TEST_CASE("export: persona files whose inputs did not change are not made again") {
  TempDir tmp;
  fs::copy(kFixture, tmp.path / "lib", fs::copy_options::recursive);
  fs::path out = tmp.path / "site";
  auto all = format_names();
  auto run = [&](std::vector<std::string>* made) {
    Library lib = load_copy(tmp.path / "lib");
    RenderContext ctx(lib);
    Disk disk;
    return write_export(out, disk, [&](Sink& sink) {
      CountingSink counting(sink);
      export_files(ctx, all, &builtin_templates(), counting);
      *made = counting.made;
    });
  };
  std::vector<std::string> made;
  WriteReport first = run(&made);
  CHECK(made.size() == 12);  // 4 personas, 3 formats
  FileSet before = read_tree(out);

  WriteReport again = run(&made);
  CHECK(made.empty());
  CHECK(again.written == 0);
  CHECK(again.unchanged == first.written);
  CHECK(read_tree(out) == before);

  fs::path stripe = tmp.path / "lib/personas/stripe/stripe-platform-builder.yaml";
  std::string text = slurp(stripe);
  auto at = text.find("freelance photographers");
  REQUIRE(at != std::string::npos);
  spit(stripe, text.replace(at, 23, "freelance videographers"));
  WriteReport changed = run(&made);
  CHECK(made == std::vector<std::string>{"personas/app-116.html", "personas/app-116.json", "personas/app-116.md"});
  CHECK(changed.written == 5);  // and the search index and library.json

  // Another program (a new persona version) makes every page again, whatever the keys say.
  std::string manifest = slurp(out / kManifestFile);
  auto r = manifest.find("\"renderer\": \"");
  REQUIRE(r != std::string::npos);
  spit(out / kManifestFile, manifest.insert(r + 13, "older "));
  WriteReport upgraded = run(&made);
  CHECK(made.size() == 12);
  CHECK(upgraded.written == 0);
}

TEST_CASE("export: the renderer is identified") {
  CHECK(renderer_id().rfind("build-id ", 0) == 0);
}

// ---------------------------------------------------------------------------------------------
// Golden files: one export per format of tests/golden/export/library.

TEST_CASE("export: golden files") {
  bool update = std::getenv("UPDATE_GOLDEN") && *std::getenv("UPDATE_GOLDEN");
  for (const std::string format : {"html", "json", "md"}) {
    INFO("format " << format);
    RenderContext ctx(fixture());
    FileSet files = build_export(ctx, {format}, &builtin_templates());
    TempDir tmp;
    Disk disk;
    write_export(files, tmp.path / format, disk);
    FileSet got = read_tree(tmp.path / format);
    // The manifest names the program that wrote it; the content files are what is compared.
    got.erase(kManifestFile);
    fs::path golden = kGolden / format;
    if (update) {
      fs::remove_all(golden);
      for (const auto& [path, data] : got) spit(golden / path, data);
      MESSAGE("rewrote " << golden.string());
    }
    FileSet want = read_tree(golden);
    std::set<std::string> names;
    for (const auto& [p, d] : got) names.insert(p);
    for (const auto& [p, d] : want) names.insert(p);
    for (const auto& name : names) {
      INFO(name);
      CHECK_MESSAGE(got.count(name), "missing from the export (or run with UPDATE_GOLDEN=1)");
      CHECK_MESSAGE(want.count(name), "not in the golden files (run with UPDATE_GOLDEN=1)");
      if (got.count(name) && want.count(name))
        CHECK_MESSAGE(got[name] == want[name], "differs from the golden file; run with UPDATE_GOLDEN=1 and review the diff");
    }
  }
}
