#include "library/records.h"

#include <doctest/doctest.h>

#include "yaml/emit.h"

using namespace persona;

static Record sample() {
  Record r;
  r.pid = "APP-153";
  r.kind = "confirm";
  r.field = "aha_moment";
  r.author = "Ada Lovelace";
  r.time = "2026-11-01T10:00:00Z";
  r.value_hash = value_hash("The shift was quiet.");
  r.id = record_id(r);
  return r;
}

TEST_CASE("value hashes are git blob ids") {
  // `printf 'hello' | git hash-object --stdin`
  CHECK(value_hash("hello") == "b6fc4c620b67d95f953a5c1c1230aaab5db5a1b0");
}

TEST_CASE("a record round-trips and validates") {
  Record r = sample();
  CHECK(r.id.size() == 12);
  CHECK(record_path(r) == "contributions/APP-153/20261101T100000Z-" + r.id + ".yaml");
  std::string text = yaml::emit(record_tree(r));
  auto f = check_record_text(record_path(r), text, *schema::Schema::builtin("record"),
                             "2026-11-28T00:00:00Z");
  CHECK(f.diagnostics.empty());
  REQUIRE(f.record);
  CHECK(f.record->author == "Ada Lovelace");
}

TEST_CASE("an edited record, an email, a future time are caught") {
  Record r = sample();
  std::string text = yaml::emit(record_tree(r));
  auto schema = schema::Schema::builtin("record");
  auto edited = text;
  edited.replace(edited.find("Ada Lovelace"), 12, "Ada Byron   ");
  auto f = check_record_text(record_path(r), edited, *schema, "2026-11-28T00:00:00Z");
  REQUIRE(!f.diagnostics.empty());
  CHECK(f.diagnostics[0].code == "record-edited");

  Record e = sample();
  e.author = "ada@example.org";
  e.id = record_id(e);
  f = check_record_text(record_path(e), yaml::emit(record_tree(e)), *schema,
                        "2026-11-28T00:00:00Z");
  REQUIRE(f.diagnostics.size() == 1);
  CHECK(f.diagnostics[0].code == "record-email");

  f = check_record_text(record_path(r), text, *schema, "2026-10-01T00:00:00Z");
  REQUIRE(f.diagnostics.size() == 1);
  CHECK(f.diagnostics[0].code == "record-time");
}

TEST_CASE("confirmations count for the value they confirmed") {
  Persona p;
  p.pid = "APP-153";
  p.text["aha_moment"] = "The shift was quiet.";
  std::vector<Record> rs{sample()};
  Record old = sample();
  old.value_hash = value_hash("An earlier value.");
  old.author = "Grace";
  rs.push_back(old);
  auto a = compute_activity({p}, rs);
  CHECK(a["APP-153"].fields["aha_moment"].confirmations == 1);
  CHECK(a["APP-153"].fields["aha_moment"].earlier_confirmations == 1);
  CHECK(a["APP-153"].fields["aha_moment"].contributors.size() == 2);
}

TEST_CASE("a record of the earlier format may address an item of a field that is text now") {
  std::string err;
  auto p = parse_record_field_path("composability[2]", &err);
  REQUIRE(p);
  CHECK(p->str() == "composability");
  CHECK(!parse_field_path("composability[2]", &err));
  CHECK(err == "field 'composability' is text, not a list; address it as 'composability'");
  CHECK(!parse_record_field_path("composability[x]", &err));
  CHECK(err == "field 'composability' is text, not a list; address it as 'composability'");
  CHECK(!parse_record_field_path("nope[2]", &err));
  CHECK(err == "unknown field 'nope'");
  auto item = parse_record_field_path("worldview[2]", &err);
  REQUIRE(item);
  CHECK(item->str() == "worldview[2]");
}
