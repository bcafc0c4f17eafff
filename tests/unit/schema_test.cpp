#include "schema/schema.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "check/rules.h"
#include "core/error.h"
#include "core/text.h"
#include "library/fields.h"
#include "schema/ecma_regex.h"
#include "yaml/tree.h"

using namespace persona;

static std::vector<Diagnostic> validate_builtin(const std::string& schema_name,
                                                const std::string& text) {
  auto s = schema::Schema::builtin(schema_name);
  auto r = yaml::parse(text, "f.yaml");
  REQUIRE(r.root);
  return s->validate(*r.root, schema::to_json(*r.root), "f.yaml");
}

TEST_CASE("the built-in schema is the file in schema/") {
  std::ifstream in(std::string(PERSONA_SOURCE_DIR) + "/schema/persona.schema.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto from_file = schema::Schema::load(ss.str(), "file");
  CHECK(from_file->property_order() == schema::Schema::builtin("persona")->property_order());
}

TEST_CASE("the field table and the schema agree") {
  auto s = schema::Schema::builtin("persona");
  std::vector<std::string> expected = metadata_keys();
  for (const auto& f : profile_fields()) expected.emplace_back(f.name);
  CHECK(s->property_order() == expected);
  for (const auto& f : profile_fields()) {
    const auto& prop = s->raw()["properties"][std::string(f.name)];
    std::string ref = prop.contains("$ref") ? prop["$ref"].get<std::string>() : "";
    if (f.kind == FieldKind::kList)
      CHECK(ref == "#/definitions/list");
    else
      CHECK((ref == "#/definitions/text" || prop["type"] == "string"));
  }
}

TEST_CASE("schema errors become readable diagnostics on the right node") {
  auto ds = validate_builtin(
      "library", "name: X\nbase_url: ftp://x\nrepo: y\ncontributions:\n  require_note: 1\n");
  REQUIRE(ds.size() == 3);
  std::sort(ds.begin(), ds.end(), [](auto& a, auto& b) { return a.line < b.line; });
  CHECK(ds[0].code == "schema-pattern");
  CHECK(ds[0].line == 2);
  CHECK(ds[0].column == 11);
  CHECK(ds[0].message == "'base_url' value 'ftp://x' does not match '^(https?://[^\\s]{1,490})?$'");
  CHECK(ds[1].code == "schema-unknown-field");
  CHECK(ds[1].message == "unknown field 'repo'");
  CHECK(ds[1].hint == "did you mean 'repository'?");
  CHECK(ds[2].code == "schema-type");
  CHECK(ds[2].message == "'contributions.require_note' must be true or false, not an integer");
  CHECK(ds[2].line == 5);
}

TEST_CASE("missing fields of one mapping are one diagnostic") {
  auto ds = validate_builtin("library", "description: x\n");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "missing required field 'name'");
  auto rs = validate_builtin("record", "id: 0123456789ab\n");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].message == "missing required fields 'author', 'kind', 'pid', 'time'");
}

TEST_CASE("to_json types scalars") {
  auto r = yaml::parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: [x]\n", "f.yaml");
  REQUIRE(r.root);
  auto j = schema::to_json(*r.root);
  CHECK(j["a"].is_number_integer());
  CHECK(j["b"].is_number_float());
  CHECK(j["c"].is_boolean());
  CHECK(j["d"].is_null());
  CHECK(j["e"].is_string());
  CHECK(j["f"].is_array());
}

// --- JSON Schema as draft-07 and ajv say (issue 12) ---------------------------------------------

namespace {

/// The diagnostics of `yaml_text` against `schema_json`, as "code line:column message | hint".
/// Both ways of validating (over the YAML tree and over its JSON) must agree.
std::vector<std::string> problems_of(const std::string& schema_json, const yaml::Node& root) {
  auto s = schema::Schema::load(schema_json, "test.schema.json");
  auto over_tree = s->validate(root, "f.yaml");
  auto over_json = s->validate(root, schema::to_json(root), "f.yaml");
  auto lines = [](const std::vector<Diagnostic>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds)
      out.push_back(d.code + " " + std::to_string(d.line) + ":" + std::to_string(d.column) + " " +
                    d.message + (d.hint.empty() ? "" : " | " + d.hint));
    return out;
  };
  CHECK(lines(over_tree) == lines(over_json));
  return lines(over_tree);
}

std::vector<std::string> problems(const std::string& schema_json, const std::string& yaml_text) {
  auto r = yaml::parse(yaml_text, "f.yaml");
  REQUIRE(r.root);
  return problems_of(schema_json, *r.root);
}

/// {s: value} made in code, with `s`'s value at 1:4 as a file would place it: values no file may
/// hold (control characters) still reach the schema from code.
yaml::Node s_is(const std::string& value) {
  yaml::Node root = yaml::make_mapping();
  yaml::append(root, "s", yaml::make_scalar(value));
  root.children[1].mark = {1, 4};
  return root;
}

using Lines = std::vector<std::string>;

const char* kNumbers = R"({"type": "object", "properties": {
  "i": {"type": "integer", "minimum": 1},
  "n": {"type": "number"},
  "e": {"enum": [1, "x"]}}})";

const char* kName = R"({"type": "object", "properties": {
  "name": {"type": "string", "minLength": 5, "maxLength": 40, "pattern": "^The [^\\n]{1,36}$"}}})";

std::string pattern_schema(const std::string& pattern) {
  return R"({"type": "object", "properties": {"s": {"type": "string", "pattern": )" +
         nlohmann::json(pattern).dump() + "}}}";
}

/// `s` as a YAML double-quoted scalar: control characters, separators and U+FEFF escaped (a
/// persona file may not hold them as they are), everything else as it is.
std::string yaml_quoted(const std::string& s) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    std::string ch = s.substr(i, n);
    i += n;
    char32_t cp = n == 1   ? c
                  : n == 2 ? ((c & 0x1F) << 6) | (ch[1] & 0x3F)
                  : n == 3 ? ((c & 0x0F) << 12) | ((ch[1] & 0x3F) << 6) | (ch[2] & 0x3F)
                           : 0x10000;  // astral: never escaped
    if (ch == "\"" || ch == "\\") {
      out += "\\" + ch;
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 ||
               cp == 0x2029 || cp == 0xFEFF) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

/// Whether `pattern` matches `subject`, asked of the schema as ajv would be: from a file when a
/// file may hold it, else from a tree made in code.
bool matches(const std::string& pattern, const std::string& subject) {
  auto r = yaml::parse("s: " + yaml_quoted(subject) + "\n", "f.yaml");
  if (!r.root) {
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].code == "yaml-control-character");
    return problems_of(pattern_schema(pattern), s_is(subject)).empty();
  }
  return problems_of(pattern_schema(pattern), *r.root).empty();
}

}  // namespace

TEST_CASE("'integer' accepts every number with a zero fractional part, as draft-07 says") {
  CHECK(problems(kNumbers, "i: 1.0\n").empty());
  CHECK(problems(kNumbers, "i: 2.000\nn: 3.0\n").empty());
  CHECK(problems(kNumbers, "i: 1e300\n").empty());
  CHECK(problems(kNumbers, "i: 99999999999999999999\n").empty());  // past 64 bits
  CHECK(problems(kNumbers, "e: 1.0\n").empty());                   // 1.0 is 1
  CHECK(problems(kNumbers, "i: 1.5\n") ==
        Lines{"schema-type 1:4 'i' must be an integer, not a number"});
  CHECK(problems(kNumbers, "i: 0.0\n") == Lines{"schema-minimum 1:4 'i' must be at least 1"});
  CHECK(problems(kNumbers, "i: '1'\n") ==
        Lines{"schema-type 1:4 'i' must be an integer, not a string"});
}

TEST_CASE("infinity and NaN are no JSON numbers") {
  CHECK(problems(kNumbers, "n: .inf\n") ==
        Lines{"schema-type 1:4 'n' must be a number, not .inf (JSON numbers are finite)"});
  CHECK(problems(kNumbers, "n: -.Inf\n") ==
        Lines{"schema-type 1:4 'n' must be a number, not -.Inf (JSON numbers are finite)"});
  CHECK(problems(kNumbers, "i: .nan\n") ==
        Lines{"schema-type 1:4 'i' must be an integer, not .nan (JSON numbers are finite)"});
}

TEST_CASE("a 40-character name with emoji fits maxLength 40; 41 characters do not") {
  std::string name = "The Launch Lead ";
  while (utf8_length(name) < 40) name += "\xF0\x9F\x9A\x80";  // U+1F680, four bytes
  REQUIRE(name.size() > 100);
  CHECK(problems(kName, "name: " + name + "\n").empty());
  std::string longer = name + "\xF0\x9F\x9A\x80";
  CHECK(problems(kName, "name: " + longer + "\n") ==
        Lines{"schema-max-length 1:7 'name' is 41 characters long, over the limit of 40",
              "schema-pattern 1:7 'name' value '" + longer +
                  "' does not match '^The [^\\n]{1,36}$'"});
  // minLength counts characters too: "The é" is 5 of them in 6 bytes, "The" and a space 4.
  CHECK(problems(kName, "name: \"The \\u00e9\"\n").empty());
  CHECK(problems(kName, "name: 'The '\n") ==
        Lines{"schema-min-length 1:7 'name' is shorter than 5 characters",
              "schema-pattern 1:7 'name' value 'The ' does not match '^The [^\\n]{1,36}$'"});
}

TEST_CASE("lengths count every code point, NUL included") {
  const char* two =
      R"({"type": "object", "properties": {"s": {"type": "string", "maxLength": 2}}})";
  // No file may hold a NUL (yaml-control-character), but a tree made in code may.
  CHECK(problems_of(two, s_is(std::string("\0\0", 2))).empty());
  CHECK(problems_of(two, s_is(std::string("a\0b", 3))) ==
        Lines{"schema-max-length 1:4 's' is 3 characters long, over the limit of 2"});
}

TEST_CASE("an empty string under minLength is a schema failure") {
  const char* one = R"({"type": "object", "properties": {"s": {"type": "string", "minLength": 1,
    "description": "Some text."}}})";
  CHECK(problems(one, "s: ''\n") == Lines{"schema-min-length 1:4 's' is empty | Some text."});
}

TEST_CASE("a pattern's character class may hold non-ASCII characters") {
  CHECK(matches("^[a-z\u00e9\u00e8]+$", "caf\u00e9"));
  CHECK_FALSE(matches("^[a-z\u00e9]+$", "caf\u00e8"));
  CHECK(matches("^[\U0001F600-\U0001F64F]{2}$", "\U0001F600\U0001F64F"));  // two code points
  CHECK_FALSE(matches("^[\U0001F600-\U0001F64F]{2}$", "\U0001F600"));
  CHECK(matches("^[^a]$", "\u00e9"));  // one character, two bytes
  CHECK(matches("^\\u00e9\\u{1F600}$", "\u00e9\U0001F600"));
  CHECK(matches("^\\uD83D\\uDE00$", "\U0001F600"));  // a surrogate pair is one code point
  CHECK(problems(pattern_schema("^[a-z]+$"), "s: \"\\u00e9t\\u00e9\"\n") ==
        Lines{"schema-pattern 1:4 's' value '\u00e9t\u00e9' does not match '^[a-z]+$'"});
}

TEST_CASE("patterns mean what they mean in ECMA-262") {
  // $ is the end, not also the place before a final newline (PCRE's and Perl's default).
  CHECK_FALSE(matches("^abc$", "abc\n"));
  CHECK(problems(pattern_schema("^APP-[0-9]{3}$"), "s: \"APP-123\\n\"\n") ==
        Lines{"schema-pattern 1:4 's' value 'APP-123\\n' does not match '^APP-[0-9]{3}$'"});
  // . is anything but \n, \r, U+2028 and U+2029.
  CHECK(matches("^.$", "\u0085"));
  CHECK(matches("^.$", "\U0001F600"));
  CHECK_FALSE(matches("^.$", "\r"));
  CHECK_FALSE(matches("^.$", "\u2028"));
  // \s knows Unicode's spaces and U+FEFF; \d and \w stay ASCII.
  CHECK(matches("^\\s$", "\u00a0"));
  CHECK(matches("^\\s$", "\u3000"));
  CHECK(matches("^\\s$", "\ufeff"));
  CHECK_FALSE(matches("^\\s$", "\u0085"));
  CHECK(matches("^\\S$", "\u0085"));
  CHECK_FALSE(matches("^(https?://\\S+/)?$", "https://example.org/\u00a0/"));
  CHECK_FALSE(matches("^\\d$", "\u0663"));  // ARABIC-INDIC DIGIT THREE
  CHECK_FALSE(matches("^\\w$", "\u00e9"));
  CHECK(matches("^\\v$", "\v"));
  CHECK_FALSE(matches("^\\v$", "\n"));
  // Classes: [ is a literal inside one, [] matches nothing and [^] anything; \S may be in one.
  CHECK(matches("^[[:a]+$", "[:a"));
  CHECK_FALSE(matches("[]", "x"));
  CHECK(matches("^[^]$", "\n"));
  CHECK(matches("^[a\\S]$", "b"));
  CHECK_FALSE(matches("^[a\\S]$", " "));
  CHECK(matches("^[^a\\S]$", " "));
  CHECK_FALSE(matches("^[^a\\S]$", "b"));
  CHECK_FALSE(matches("^[^ \\S]$", " "));
  CHECK(matches("^[^^\\S]$", " "));
}

TEST_CASE("the ECMA-262 constructs PCRE2 reads otherwise are rewritten") {
  CHECK(schema::ecma_to_pcre2("^a.b$") == "^a[^\\n\\r\\u2028\\u2029]b$");
  CHECK(schema::ecma_to_pcre2("\\v[\\v]") == "\\x0b[\\x0b]");
  CHECK(schema::ecma_to_pcre2("[[:a:]]") == "[\\[:a:]]");
  CHECK(schema::ecma_to_pcre2("\\uD83D\\uDE00") == "\\u{1f600}");
  CHECK(schema::ecma_to_pcre2("\\uD83D\\uDE0") == "\\uD83D\\uDE0");  // cut short: PCRE2 says so
  CHECK(schema::ecma_to_pcre2("a\\u1") == "a\\u1");
  CHECK(schema::ecma_to_pcre2("[\\uD83D") == "[\\uD83D");
  CHECK(schema::ecma_to_pcre2("a\\") == "a\\");
  CHECK(schema::ecma_to_pcre2("[\\S]") ==
        "[^\\t\\n\\x0b\\f\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f"
        "\\u3000\\ufeff]");
  CHECK(schema::ecma_to_pcre2("^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$") ==
        "^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$");
}

TEST_CASE("a pattern that is no regular expression makes the schema invalid") {
  try {
    schema::Schema::load(pattern_schema("^(APP-[0-9]+$"), "broken.json");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "invalid schema 'broken.json': pattern '^(APP-[0-9]+$' is not a valid regular "
          "expression: missing closing parenthesis");
  }
  // A property named "pattern" is no pattern.
  CHECK_NOTHROW(schema::Schema::load(
      R"({"properties": {"pattern": {"type": "string"}, "(": {"type": "string"}}})", "ok.json"));
}

TEST_CASE("a pattern that backtracks without end is stopped, not waited for") {
  std::string value(40, 'a');
  value += "!";
  CHECK(problems(pattern_schema("^(a+)+$"), "s: " + value + "\n") ==
        Lines{"pattern-match-limit 1:4 's' value '" + value +
              "' is too costly to match against '^(a+)+$' | the pattern backtracks without end on "
              "this value; simplify the pattern in the schema"});
  CHECK_FALSE(schema::is_verdict("pattern-match-limit"));
}

TEST_CASE("patternProperties and propertyNames match as ECMA-262 does") {
  const char* s = R"({"type": "object", "additionalProperties": false,
    "patternProperties": {"^[a-z\u00e9]+$": {"type": "integer"}},
    "propertyNames": {"maxLength": 3}})";
  CHECK(problems(s, "\u00e9t\u00e9: 1\n").empty());
  CHECK(problems(s, "ab: 1.0\n").empty());
  CHECK(problems(s, "ab: x\n") == Lines{"schema-type 1:5 'ab' must be an integer, not a string"});
  CHECK(problems(s, "AB: 1\n") == Lines{"schema-unknown-field 1:1 unknown field 'AB'"});
  CHECK(problems(s, "abcd: 1\n") ==
        Lines{"schema 1:1 the document: fails a keyword that gives no reason (such as "
              "propertyNames, or a schema that is false)"});
}

TEST_CASE("the hint for missing fields names the schema in use") {
  auto rs = validate_builtin("record", "id: 0123456789ab\n");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].hint == "schema/record.schema.json describes each field");
  const char* two = R"({"required": ["a", "b"]})";
  CHECK(problems(two, "c: 1\n") ==
        Lines{"schema-required 1:1 missing required fields 'a', 'b' | test.schema.json describes "
              "each field"});
}

TEST_CASE("the schema's verdicts are one table of codes, each starting with 'schema'") {
  const auto& codes = schema::verdict_codes();
  CHECK(codes.size() == 12);
  for (const auto& c : codes) {
    CAPTURE(c);
    CHECK(c.rfind("schema", 0) == 0);
    CHECK(schema::is_verdict(c));
  }
  CHECK(schema::is_verdict("schema-min-length"));
  CHECK_FALSE(schema::is_verdict("empty-string"));
  CHECK_FALSE(schema::is_verdict("name-app-mismatch"));
  // The rule catalogue knows every verdict, and names no other code "schema...".
  std::vector<std::string> catalogued;
  for (const auto& r : check::rule_catalog())
    if (r.id.rfind("schema", 0) == 0) catalogued.emplace_back(r.id);
  CHECK(catalogued == codes);
  CHECK(check::describe_rule("pattern-match-limit").description !=
        check::describe_rule("no-such-rule").description);
}

TEST_CASE("patterns are matched safely from several threads at once") {
  auto s = schema::Schema::load(kName, "name.json");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string name = "The " + std::string(static_cast<std::size_t>(1 + (i + t) % 40), 'x');
        auto r = yaml::parse("name: " + name + "\n", "f.yaml");
        bool ok = s->validate(*r.root, "f.yaml").empty();
        if (ok != (utf8_length(name) <= 40)) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}

TEST_CASE("odd patterns compile or are refused with persona's error, never anything else") {
  const char* odd[] = {
      "",
      "\\",
      "[",
      "[^",
      "[\\",
      "\\u",
      "\\uD83D",
      "\\uD83D\\u",
      "(?<",
      "[]]",
      "[^]]",
      "a{,3}",
      "\\p{L}",
      "\\p{Script=Greek}",
      "\\k<x>(?<x>a)",
      "(*LIMIT_MATCH=1)a",
      "(?=a)*",
      "\\u{110000}",
  };
  for (const char* p : odd) {
    CAPTURE(p);
    try {
      schema::EcmaRegex re(p);
      (void)re.search("a\xCE\xB1");
    } catch (const Error&) {
      // refused with a message, as a schema error
    }
  }
  // PCRE2's switches that would change what a pattern means stay off.
  CHECK_THROWS_AS(schema::EcmaRegex("(*UCP)\\w"), Error);
  CHECK_THROWS_AS(schema::EcmaRegex("\\C"), Error);
  CHECK(schema::EcmaRegex("\\p{L}").search("\xCE\xB1") == schema::EcmaRegex::Match::kYes);
}
