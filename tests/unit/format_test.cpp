// fmt's canonical form: the header kept, empty values and nulls, and idempotence on generated
// documents (line endings, Unicode separators, header comments, empty values).
#include "library/format.h"

#include <doctest/doctest.h>

#include "check/check.h"
#include "library/library.h"
#include "support.h"
#include "yaml/emit.h"

using namespace persona;

namespace {

const std::string kPath = "personas/segment/segment-data-architect.yaml";

const schema::Schema& persona_schema() {
  static const auto schema = schema::Schema::builtin("persona");
  return *schema;
}

std::string seed() { return test::slurp(std::string(PERSONA_SOURCE_DIR) + "/" + kPath); }

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string lines_of(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds)
    out += std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.code + " " +
           d.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("fmt keeps every comment line of the header") {
  std::string s = seed();
  std::string extra = replace(s, "pid: APP-153\n",
                              "# Reviewed by the data team.\n#\n# Keep the tags in this order.\n"
                              "pid: APP-153\n");
  auto r = format_persona(kPath, extra, persona_schema(), true);
  REQUIRE(r.text);
  CHECK(*r.text == extra);
  // Blank lines between comments stay; the header of a file without the modeline is kept as it
  // is, with no modeline added.
  std::string body = s.substr(s.find("pid:"));
  std::string spaced = "# first\n\n# second\n" + body;
  r = format_persona(kPath, spaced, persona_schema(), true);
  REQUIRE(r.text);
  CHECK(*r.text == spaced);
  r = format_persona(kPath, "\n\n# only\n\n" + body, persona_schema(), true);
  REQUIRE(r.text);
  CHECK(*r.text == "# only\n" + body);
  // A file with no header gets the modeline.
  r = format_persona(kPath, body, persona_schema(), true);
  REQUIRE(r.text);
  CHECK(*r.text == s);
}

TEST_CASE("an empty field is a diagnostic on its line, and fmt keeps it a null") {
  std::string s = seed();
  std::string empty = replace(s, "category: data-infrastructure\n", "category:\n");
  auto f = check_persona_text(kPath, empty, persona_schema(), true);
  CHECK(lines_of(f.diagnostics) ==
        "5:10 schema-type 'category' must be a string, not empty (null)\n");
  auto r = format_persona(kPath, empty, persona_schema(), true);
  REQUIRE(r.text);
  CHECK(*r.text == replace(s, "category: data-infrastructure\n", "category: ~\n"));
  CHECK(format_persona(kPath, *r.text, persona_schema(), true).text == r.text);
  // `persona check` says what is wrong and that it is not canonical, nothing else.
  Library lib;
  lib.files.push_back(f);
  auto ds = check::format_check(lib, {}, true, persona_schema());
  CHECK(lines_of(ds) == "5:1 not-canonical file is not in canonical form\n");
  // Null keys are refused by the reader, for fmt as for validate.
  for (const char* key : {"~", "null", "?\n"}) {
    std::string text = replace(s, "version: 1\n", std::string(key) + ": x\nversion: 1\n");
    r = format_persona(kPath, text, persona_schema(), true);
    CHECK(!r.text);
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].code == "yaml-null-key");
    CHECK(r.diagnostics[0].line == 12);
  }
}

TEST_CASE("a value that cannot be written is reported, not thrown") {
  yaml::Node root = yaml::make_mapping();
  yaml::append(root, "pid", yaml::make_scalar("APP-1"));
  yaml::Node bad = yaml::make_scalar(
      "a\x01"
      "b");
  bad.mark = {3, 7};
  yaml::append(root, "name", bad);
  yaml::Emitted e = yaml::try_emit(root);
  CHECK(!e.text);
  CHECK(e.problem ==
        "it would not read back: control character U+0001 (written '\\x01') is not allowed");
  CHECK(e.at.line == 3);
  CHECK(e.at.column == 7);
}

namespace {

/// A deterministic variation of a persona file: line endings, header comments, Unicode
/// separators and empty values, by the digits of `n`.
std::string variation(unsigned n) {
  static const char* kEndings[] = {"\n", "\r\n", "\r"};
  static const std::vector<std::vector<std::string>> kHeaders = {
      {},
      {"# yaml-language-server: $schema=../../schema/persona.schema.json"},
      {"# yaml-language-server: $schema=../../schema/persona.schema.json", "# a second line"},
      {"# first", "", "# after a blank line"},
      {"# with a separator\xE2\x80\xA8# after it"},
      {"# paragraph\xE2\x80\xA9"},
      {"#no space", "   # indented", "#"},
      {"", "# after a blank", "  "},
  };
  static const std::vector<std::string> kValues = {
      "plain text here.",
      "\"quoted\\u2028with a line separator\"",
      "\"para\\u2029graph and \\L, \\P escapes\"",
      "\"raw\xE2\x80\xA8separator in quotes\"",
      "",
      "~",
      "null",
      "\"\"",
      "''",
      "'single # not a comment'",
      "\"tab\\there\"",
      "\"two\\nlines\"",
      "\"trailing\\n\"",
      "\"keep\\n\\n\"",
      "\"  leading spaces\"",
      "\"trailing spaces  \"",
      "\"line one  \\nline two\"",
      "caf\xC3\xA9 \xF0\x9F\x98\x80 emoji.",
      "\"\\u202Ebidi\"",
      "|\n  literal\n  block.",
      "|-\n  literal\n\n  with a blank line.",
      ">\n  folded\n  text.",
      "|+\n  kept\n\n",
      "\"12\"",
      "1.0",
      "true",
      "\"x: y\"",
      "[a, b]",
      "[]",
      "{}",
  };
  std::string nl = kEndings[n % 3];
  n /= 3;
  const auto& header = kHeaders[n % kHeaders.size()];
  n /= kHeaders.size();
  const std::string& value = kValues[n % kValues.size()];
  n /= kValues.size();
  std::string field = (n % 2) ? "identity" : "aha_moment";
  bool empty_tags = (n / 2) % 2;
  bool reorder = (n / 4) % 2;

  std::vector<std::string> lines = header;
  std::vector<std::string> body = {"pid: APP-153", "name: The Segment Data Architect",
                                   "app: Segment"};
  if (reorder) std::swap(body[0], body[2]);
  body.push_back(empty_tags ? "tags:" : "tags:\n  - analytics\n  - \"with\\u2028separator\"");
  body.push_back(field + ":" +
                 (value.empty()                        ? ""
                  : value[0] == '|' || value[0] == '>' ? " " + value
                                                       : " " + value));
  body.push_back("version: 1");
  lines.insert(lines.end(), body.begin(), body.end());
  std::string out;
  for (const auto& l : lines) {
    // Line breaks inside values (block scalars, tags) take the file's line ending too.
    std::string line = l;
    for (std::size_t at = line.find('\n'); at != std::string::npos;
         at = line.find('\n', at + nl.size()))
      line.replace(at, 1, nl);
    out += line + nl;
  }
  return out;
}

/// The same data, whatever the key order.
bool same_fields(const yaml::Node& a, const yaml::Node& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const yaml::Node* v = b.find(a.key(i).value);
    if (!v || !yaml::same_data(a.val(i), *v)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("fmt is idempotent and keeps every value, on thousands of generated documents") {
  const unsigned kCount = 3 * 8 * 30 * 8;
  unsigned formatted = 0, refused = 0;
  for (unsigned n = 0; n < kCount; ++n) {
    std::string x = variation(n);
    CAPTURE(n);
    CAPTURE(x);
    FormatResult once;
    REQUIRE_NOTHROW(once = format_persona(kPath, x, persona_schema(), true));
    if (!once.text) {
      // Refused: with a diagnostic, never with an exception.
      REQUIRE(!once.diagnostics.empty());
      ++refused;
      continue;
    }
    ++formatted;
    const std::string& y = *once.text;
    FormatResult twice;
    REQUIRE_NOTHROW(twice = format_persona(kPath, y, persona_schema(), true));
    REQUIRE(twice.text);
    CHECK(*twice.text == y);
    auto before = yaml::parse(x, kPath), after = yaml::parse(y, kPath);
    REQUIRE(before.root);
    REQUIRE(after.root);
    CHECK(same_fields(*before.root, *after.root));
    // The header's comments are all there, in order.
    std::vector<std::string> want;
    for (const auto& l : yaml::leading_comments(x))
      if (!l.empty()) want.push_back(l);
    std::vector<std::string> got;
    for (const auto& l : yaml::leading_comments(y))
      if (!l.empty()) got.push_back(l);
    if (!want.empty()) CHECK(got == want);
  }
  // Every generated document is valid YAML with no inner comment: all are formatted.
  CHECK(formatted == kCount);
  CHECK(refused == 0);
}
