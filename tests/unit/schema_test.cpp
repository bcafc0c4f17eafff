#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "library/fields.h"
#include "schema/schema.h"
#include "yaml/tree.h"

using namespace persona;

static std::vector<Diagnostic> check(const std::string& schema_name, const std::string& text) {
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
    if (f.kind == FieldKind::kList) CHECK(ref == "#/definitions/list");
    else CHECK((ref == "#/definitions/text" || prop["type"] == "string"));
  }
}

TEST_CASE("schema errors become readable diagnostics on the right node") {
  auto ds = check("library", "name: X\nbase_url: ftp://x\nrepo: y\ncontributions:\n  require_note: 1\n");
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
  auto ds = check("library", "description: x\n");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "missing required field 'name'");
  auto rs = check("record", "id: 0123456789ab\n");
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
