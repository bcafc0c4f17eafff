// The valijson adapter over yaml::Node must give exactly what validating to_json() gives: the
// same raw errors in the same order, and so the same diagnostics.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>

#include "schema/node_adapter.h"
#include "schema/schema.h"
#include "schema/spec_constraints.h"  // valijson as persona runs it, with both adapters
#include "yaml/tree.h"

using namespace persona;

namespace {

/// Every keyword valijson implements, with values of every type in the documents below.
const char* kSchema = R"({
  "type": "object",
  "required": ["s", "missing_b", "missing_a"],
  "additionalProperties": false,
  "properties": {
    "s": {"type": "string", "minLength": 3, "maxLength": 5, "pattern": "^[a-z\u00e9]+$"},
    "s0": {"type": "string", "minLength": 0, "maxLength": 0},
    "n": {"type": "number", "minimum": 1, "maximum": 10, "multipleOf": 0.5},
    "i": {"type": "integer", "exclusiveMaximum": 100, "exclusiveMinimum": -5, "multipleOf": 3},
    "b": {"type": "boolean"},
    "z": {"type": "null"},
    "t": {"type": ["string", "integer"]},
    "e": {"enum": ["a", 1, 2.5, true, null, [1, "x"], {"k": "v", "a": 1}]},
    "c": {"const": {"k": [1, "x"], "a": null}},
    "arr": {"type": "array", "items": {"type": "string", "maxLength": 2}, "uniqueItems": true,
            "minItems": 2, "maxItems": 4, "contains": {"const": "x"}},
    "tuple": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}],
              "additionalItems": false},
    "tuple2": {"type": "array", "items": [{"type": "integer"}],
               "additionalItems": {"type": "string"}},
    "obj": {"type": "object", "propertyNames": {"maxLength": 3}, "minProperties": 1,
            "maxProperties": 3, "patternProperties": {"^x": {"type": "integer"}},
            "additionalProperties": {"type": "string"}},
    "dep": {"type": "object", "dependencies": {"a": ["b"], "c": {"required": ["d"]}}},
    "any": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    "one": {"oneOf": [{"type": "string"}, {"maxLength": 3}]},
    "not": {"not": {"type": "string"}},
    "all": {"allOf": [{"type": "string"}, {"minLength": 2}]},
    "cond": {"if": {"type": "string"}, "then": {"maxLength": 2}, "else": {"type": "integer"}},
    "u": {"type": "array", "uniqueItems": true},
    "nested": {"type": "object", "additionalProperties": false,
               "properties": {"deep": {"type": "array", "items": {"$ref": "#/definitions/item"}}}}
  },
  "definitions": {
    "item": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
  }
})";

const char* kDocs[] = {
    "s: abc\n",
    "s: ab\nmissing_a: 1\nmissing_b: 2\n",
    "s: abcdef\n",
    "s: \"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"\n",         // 5 characters, 10 bytes
    "s: \"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"\n",  // 6 characters
    "s: \"a\\tbcdefgh\"\ns0: \"\\tx\"\n",                   // a tab is a character too
    "s: ABC\ns0: ''\n",
    "s: 123\ns0: x\n",
    "s: '123'\n",
    "s: ~\n",
    "s: [a]\n",
    "s: {a: 1}\n",
    "zeta: 1\nalpha: 2\ns: abc\nmid: 3\n",
    "n: 0.5\ni: 99\n",
    "n: 11\ni: 100\n",
    "n: 1.25\ni: 4\n",
    "n: .inf\ni: -.inf\n",
    "n: .nan\ni: 0x1F\n",
    "n: -.INF\ni: 0o17\n",
    "n: 1e3\ni: 99999999999999999999\n",
    "n: '5'\ni: '6'\n",
    "n: true\ni: 3.0\n",
    "n: 0x\ni: +12\n",
    "i: -6\nn: 10\n",
    "b: True\nz: ~\n",
    "b: 'true'\nz: ''\n",
    "b: yes\nz: null\n",
    "b: FALSE\nz: NULL\n",
    "t: 1\n",
    "t: 1.5\n",
    "t: [x]\n",
    "e: a\n",
    "e: 1\n",
    "e: 1.0\n",
    "e: 2.5\n",
    "e: TRUE\n",
    "e: ~\n",
    "e: [1, x]\n",
    "e: [1, 'x', 2]\n",
    "e: {a: 1, k: v}\n",
    "e: {k: v, a: 1.0}\n",
    "e: {k: v}\n",
    "e: b\n",
    "c: {a: ~, k: [1, x]}\n",
    "c: {a: ~, k: [1, y]}\n",
    "c: {k: [1, x]}\n",
    "arr: [x, y]\n",
    "arr: [x, x]\n",
    "arr: [a, b, c, d, e]\n",
    "arr: [y]\n",
    "arr: [xyz, x, 1]\n",
    "arr: []\n",
    "arr: {}\n",
    "tuple: [1, a]\n",
    "tuple: [a, 1]\n",
    "tuple: [1, a, b]\n",
    "tuple: []\n",
    "tuple2: [1, a, 2, b]\n",
    "obj: {x1: 1, y: s}\n",
    "obj: {x1: a, y: 2, long_name: s, q: r}\n",
    "obj: {}\n",
    "obj: {xa: 1.5, b: ~}\n",
    "dep: {a: 1}\n",
    "dep: {a: 1, b: 2}\n",
    "dep: {c: 1}\n",
    "dep: {c: 1, d: 2}\n",
    "any: x\n",
    "any: 1.5\n",
    "any: [1]\n",
    "one: ab\n",
    "one: abcd\n",
    "one: 5\n",
    "one: [1]\n",
    "not: x\n",
    "not: 1\n",
    "all: x\n",
    "all: 1\n",
    "all: xy\n",
    "cond: ab\n",
    "cond: abc\n",
    "cond: 1\n",
    "cond: 1.5\n",
    "u: [1, 1.0]\n",
    "u: [1, '1']\n",
    "u: [[1, 2], [1, 2], [2, 1]]\n",
    "u: [{a: 1, b: 2}, {b: 2, a: 1}, {a: 1}]\n",
    "u: [~, ~, true, True, .nan, .nan, .inf, .Inf]\n",
    "u: [a, b, a, b]\n",
    "nested: {deep: [{id: 1}, {id: x}, {}, 5, {id: 2, other: 1}]}\n",
    "nested: {deep: {}, extra: 1, another: 2}\n",
    "'': 1\n'10': 2\n'9': 3\ns: abc\n",
    "\"\\u00e9\": 1\n\"\\u00e8\": 1\nZ: 1\na: 1\ns: abc\n",
};

using Errors = std::vector<std::pair<std::vector<std::string>, std::string>>;

template <typename Adapter>
Errors raw_errors(const valijson::Schema& schema, const Adapter& target) {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  validator.validate(schema, target, &results);
  Errors out;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) out.emplace_back(e.context, e.description);
  return out;
}

std::string text_of(const Diagnostic& d) {
  return d.code + " " + std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.message +
         " | " + d.hint;
}

std::vector<std::string> texts(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(text_of(d));
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("the node adapter gives valijson what to_json gives it") {
  nlohmann::json schema_json = nlohmann::json::parse(kSchema);
  valijson::Schema schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
  parser.populateSchema(schema_adapter, schema);
  auto loaded = schema::Schema::load(kSchema, "test");
  std::size_t with_errors = 0;
  for (const char* doc : kDocs) {
    CAPTURE(doc);
    auto r = yaml::parse(doc, "f.yaml");
    REQUIRE(r.root);
    nlohmann::json j = schema::to_json(*r.root);
    Errors want = raw_errors(schema, valijson::adapters::NlohmannJsonAdapter(j));
    Errors got = raw_errors(schema, schema::NodeAdapter(*r.root));
    CHECK(got == want);
    CHECK(texts(loaded->validate(*r.root, "f.yaml")) ==
          texts(loaded->validate(*r.root, j, "f.yaml")));
    if (want.size() > 1) ++with_errors;
  }
  CHECK(with_errors > 60);  // the documents do exercise the error paths
}

TEST_CASE("the node adapter agrees on the built-in schemas") {
  const char* personas[] = {
      "pid: APP-12\nname: The X\napp: X_y\ntags: [a, a, B]\nversion: 0\nidentity: ''\n",
      "pid: APP-0001234567\nversion: 1000001\ngoals: []\nfrustrations: [1, ~, '']\njtbd: 5\n",
      "pid: APP-123\nname: \"The \\u00e9\\u00e9\"\nunknown_b: 1\nunknown_a: 2\nversion: 1.0\ntags: "
      "5\n",
      "pid: APP-123\nversion: 99999999999999999999\ntags: {a: 1}\nname: \"The a\\nb\"\n",
  };
  auto persona = schema::Schema::builtin("persona");
  for (const char* doc : personas) {
    CAPTURE(doc);
    auto r = yaml::parse(doc, "f.yaml");
    REQUIRE(r.root);
    auto want = persona->validate(*r.root, schema::to_json(*r.root), "f.yaml");
    CHECK(want.size() > 2);
    CHECK(texts(persona->validate(*r.root, "f.yaml")) == texts(want));
  }
  // The bundled library's files, valid ones included.
  auto example = yaml::parse(read(std::string(PERSONA_SOURCE_DIR) + "/library.yaml"), "l.yaml");
  if (example.root) {
    auto library = schema::Schema::builtin("library");
    CHECK(texts(library->validate(*example.root, "l.yaml")) ==
          texts(library->validate(*example.root, schema::to_json(*example.root), "l.yaml")));
  }
}

TEST_CASE("walking a mapping's members goes in key order, as std::map does") {
  auto r = yaml::parse("b: 1\n'': 2\nB: 3\n\"\\u00e9\": 4\na: 5\n", "f.yaml");
  REQUIRE(r.root);
  schema::NodeAdapter adapter(*r.root);
  std::vector<std::string> keys;
  for (const auto& m : adapter.asObject()) keys.push_back(m.first);
  CHECK(keys == std::vector<std::string>{"", "B", "a", "b", "\xC3\xA9"});
  auto obj = adapter.asObject();
  auto it = obj.find("a");
  REQUIRE(it != obj.end());
  CHECK(it->second.asInteger() == 5);
  ++it;
  CHECK((*it).first == "b");
  CHECK(obj.find("c") == obj.end());
}
