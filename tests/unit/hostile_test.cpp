// One rule for every output: the shared hostile-string set (hostile.h) through each channel's
// escaping or validation function, with what must hold of its output.
#include "hostile.h"

#include <doctest/doctest.h>

#include <sstream>

#include "check/sarif.h"
#include "core/report.h"
#include "core/text.h"
#include "core/untrusted.h"
#include "library/contribution.h"
#include "library/records.h"
#include "render/commonmark.h"
#include "render/escape.h"
#include "yaml/emit.h"

using namespace persona;
using persona::test::first_invisible;
using persona::test::hostile_strings;

namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

Diagnostic hostile_diagnostic(const std::string& text) {
  return Diagnostic{"schema-type",
                    Severity::kError,
                    "personas/x/" + text + ".yaml",
                    1,
                    1,
                    "unknown field " + quote(text, 100000),
                    "did you mean " + quote(text, 100000) + "?"};
}

}  // namespace

TEST_CASE("hostile: the set is loaded") { CHECK(hostile_strings().size() >= 25); }

TEST_CASE("hostile: terminal text shows every character and acts on none") {
  for (const auto& h : hostile_strings()) {
    CAPTURE(h.name);
    std::string one_line = terminal_safe(h.text);
    CHECK(first_invisible(one_line, false) == "");
    std::string lines = terminal_safe(h.text, true);
    CHECK(first_invisible(lines, true) == "");
    // Text that holds nothing to hide is shown as it is.
    if (first_invisible(h.text, true).empty()) CHECK(lines == h.text);
  }
  CHECK(terminal_safe("a\nb\r\x1b[31m\xe2\x80\xae\xff") == "a\\nb\\r\\e[31m\\u{202E}\\xff");
  CHECK(terminal_safe("a\nb\tc", true) == "a\nb\tc");
  CHECK(terminal_safe("caf\xc3\xa9 \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST_CASE("hostile: a display name is one visible line of at most 100 characters") {
  for (const auto& h : hostile_strings()) {
    CAPTURE(h.name);
    bool visible = first_invisible(h.text, false).empty();
    bool short_enough = utf8_length(h.text) <= kMaxDisplayName;
    CHECK(display_name_problem(h.text).empty() == (visible && short_enough));
  }
  CHECK(display_name_problem("Ada Lovelace") == "");
  CHECK(display_name_problem("Zo\xc3\xab \xf0\x9f\x98\x80") == "");
  CHECK(display_name_problem("Eve\nencoding UTF-7") == "the name is more than one line");
  CHECK(display_name_problem("Eve\xe2\x80\xae") ==
        "the name holds the invisible control character U+202E");
  CHECK(display_name_problem(std::string(101, 'a')) ==
        "the name is 101 characters long, over the limit of 100");
  CHECK(display_name_problem("  ") == "the name is empty");
  CHECK(display_name_problem("\xff") == "the name is not valid UTF-8");
}

TEST_CASE("hostile: text diagnostics keep one line per line they mean") {
  for (const auto& h : hostile_strings()) {
    CAPTURE(h.name);
    std::ostringstream out;
    print_text(
        out, {hostile_diagnostic(h.text)}, [&](const std::string&) { return h.text; }, false);
    CHECK(first_invisible(out.str(), true) == "");
    auto lines = lines_of(out.str());
    // The diagnostic line, the source line, the caret, the hint: never a line more.
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].rfind("personas/x/", 0) == 0);
    CHECK(lines[1].rfind(" 1 | ", 0) == 0);
    CHECK(lines[2] == "   | ^");
    CHECK(lines[3].rfind("  hint: did you mean '", 0) == 0);
  }
}

TEST_CASE("hostile: GitHub annotations are one workflow command each") {
  std::vector<Diagnostic> ds;
  for (const auto& h : hostile_strings()) ds.push_back(hostile_diagnostic(h.text));
  std::ostringstream out;
  print_github(out, ds);
  auto lines = lines_of(out.str());
  CHECK(lines.size() == ds.size());
  for (const auto& l : lines) {
    CAPTURE(l);
    CHECK(l.rfind("::error file=personas/x/", 0) == 0);
    CHECK(first_invisible(l, false) == "");
    // The only '::' of the line before its message is the one that ends the properties.
    std::size_t props_end = l.find("::", 2);
    REQUIRE(props_end != std::string::npos);
    CHECK(l.substr(2, props_end - 2).find("::") == std::string::npos);
  }
  std::string summary = github_step_summary(ds, 1, "persona check");
  for (const auto& l : lines_of(summary)) {
    CAPTURE(l);
    CHECK(first_invisible(l, false) == "");
    CHECK(l.find('<') == l.find("<br>"));  // no tag but the line breaks it writes itself
    for (std::size_t at = l.find("]("); at != std::string::npos; at = l.find("](", at + 1))
      CHECK(l[at - 1] == '\\');  // an escaped ']' closes no link text
  }
  // The heading, a blank line, the summary, a blank line, the table's two head lines, a row for
  // each diagnostic and a blank line: no line more.
  CHECK(lines_of(summary).size() == ds.size() + 7);
}

TEST_CASE("hostile: JSON and SARIF carry every string exactly, and no raw control byte") {
  std::vector<Diagnostic> ds;
  for (const auto& h : hostile_strings()) ds.push_back(hostile_diagnostic(h.text));
  std::string json =
      diagnostics_json(ds, 1).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string sarif = check::sarif_log(ds, {"0.1.0", ""})
                          .dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  for (const std::string* doc : {&json, &sarif}) {
    // The serializer's rule: every C0 control escaped (DEL and the others are JSON text).
    CHECK(std::none_of(doc->begin(), doc->end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n'; }));
    auto back = nlohmann::json::parse(*doc);
    std::vector<std::string> messages;
    if (back.contains("diagnostics"))
      for (const auto& d : back["diagnostics"]) messages.push_back(d["message"].get<std::string>());
    else
      for (const auto& r : back["runs"][0]["results"])
        messages.push_back(r["message"]["text"].get<std::string>());
    REQUIRE(messages.size() == ds.size());
    // Every string of the set is valid UTF-8: each comes back exactly (SARIF adds the hint).
    for (std::size_t i = 0; i < ds.size(); ++i) CHECK(messages[i].rfind(ds[i].message, 0) == 0);
  }
}

TEST_CASE("hostile: the one JSON string escaper writes what nlohmann writes, and reads back") {
  std::vector<std::string> texts;
  for (const auto& h : hostile_strings()) texts.push_back(h.text);
  for (int b = 0; b < 0x100; ++b) texts.push_back(std::string("a") + static_cast<char>(b) + "z");
  texts.push_back("\xe2\x80");        // a cut UTF-8 sequence
  texts.push_back("\xed\xa0\x80 x");  // an encoded surrogate
  texts.push_back("plain text, no escape");
  for (const auto& t : texts) {
    CAPTURE(t);
    std::string ours = render::json_string(t);
    CHECK(ours == nlohmann::json(t).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    CHECK(std::none_of(ours.begin(), ours.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
    bool valid_utf8 = true;
    try {
      (void)nlohmann::json(t).dump();
    } catch (const nlohmann::json::exception&) {
      valid_utf8 = false;
    }
    // Plain text goes through as it is, between quotes; anything else is escaped or replaced.
    if (valid_utf8) CHECK(render::json_plain(t) == (ours == "\"" + t + "\""));
  }
}

TEST_CASE("hostile: commit messages: one subject line, user text inert, trailers last") {
  for (const auto& h : hostile_strings()) {
    CAPTURE(h.name);
    Contribution c;
    c.persona_name = "The Acme " + h.text;
    c.record.pid = "APP-153";
    c.record.kind = "correct";
    c.record.field = "identity";
    c.record.text = h.text;
    c.record.note = h.text;
    c.record.author = "Ada Lovelace";
    c.record.id = "0123456789ab";
    std::string m = contribution_message(c);
    CHECK(first_invisible(m, true) == "");
    auto lines = lines_of(m);
    REQUIRE(lines.size() > 4);
    CHECK(lines[0].rfind("Correct identity of APP-153 (The Acme ", 0) == 0);
    CHECK(lines[1].empty());
    // The last paragraph is ours: exactly the three trailers.
    std::size_t n = lines.size();
    CHECK(lines[n - 4].empty());
    CHECK(lines[n - 3] == "Persona: APP-153");
    CHECK(lines[n - 2] == "Field: identity");
    CHECK(lines[n - 1] == "Contribution: 0123456789ab");
  }
}

TEST_CASE("hostile: record files hold every string exactly, escaped") {
  for (const auto& h : hostile_strings()) {
    CAPTURE(h.name);
    Record r;
    r.pid = "APP-153";
    r.kind = "comment";
    r.text = h.text;
    r.note = h.text;
    r.author = "Ada Lovelace";
    r.time = "2026-11-28T12:00:00Z";
    r.id = record_id(r);
    std::string text;
    try {
      text = yaml::emit(record_tree(r));
    } catch (const std::exception& e) {
      // A value YAML cannot carry is refused before any file is written.
      CHECK(std::string(e.what()).size() > 0);
      continue;
    }
    CHECK(first_invisible(text, true) == "");
    auto back = yaml::parse(text, "r.yaml");
    if (!back.root) continue;  // refused on reading (a control character): never half-read
    CHECK(back.root->find("text")->value == h.text);
    CHECK(back.root->find("note")->value == h.text);
  }
}

TEST_CASE("hostile: HTML and the search index carry no markup and no unsafe link") {
  for (const auto& h : hostile_strings()) {
    CAPTURE(h.name);
    std::string html = render::markdown_html(h.text);
    // Every tag is one the renderer writes itself, with only its own attributes.
    for (std::size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
      std::size_t end = html.find('>', at);
      REQUIRE(end != std::string::npos);
      std::string tag = html.substr(at + 1, end - at - 1);
      CAPTURE(tag);
      std::string name =
          tag.substr(tag[0] == '/' ? 1 : 0, tag.find(' ') == std::string::npos
                                                ? std::string::npos
                                                : tag.find(' ') - (tag[0] == '/' ? 1 : 0));
      CHECK(std::string(" p a em strong code pre ul ol li br blockquote hr h1 h2 h3 h4 h5 h6 del ")
                .find(" " + name + " ") != std::string::npos);
      for (std::size_t eq = tag.find('='); eq != std::string::npos; eq = tag.find('=', eq + 1)) {
        std::size_t sp = tag.rfind(' ', eq);
        std::string attr = tag.substr(sp + 1, eq - sp - 1);
        if (tag.compare(eq, 2, "=\"") != 0) continue;  // inside a quoted value
        CHECK(std::string(" href rel title class ").find(" " + attr + " ") != std::string::npos);
      }
    }
    std::string lower = to_lower(html);
    for (const char* scheme : {"href=\"javascript", "href=\"data", "href=\"vbscript", "<!--"})
      CHECK(lower.find(scheme) == std::string::npos);
    std::string attr = render::html_escape(h.text);
    CHECK(attr.find_first_of("<>\"'") == std::string::npos);
    std::string js = render::script_safe_json(
        nlohmann::json(h.text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    CHECK(js.find("</") == std::string::npos);
    CHECK(js.find("<!--") == std::string::npos);
    CHECK(js.find("\xe2\x80\xa8") == std::string::npos);
    CHECK(js.find("\xe2\x80\xa9") == std::string::npos);
  }
}
