// library/migrate: the earlier persona format rewritten into the published one.
#include "library/migrate.h"

#include <doctest/doctest.h>

using namespace persona;

TEST_CASE("migrate: a text becomes one item per paragraph") {
  bool joined = false;
  CHECK(paragraphs_to_items("One belief,\nwrapped.\n\nAnother.", &joined) ==
        std::vector<std::string>{"One belief, wrapped.", "Another."});
  CHECK(joined);
  joined = false;
  CHECK(paragraphs_to_items("Single.", &joined) == std::vector<std::string>{"Single."});
  CHECK(!joined);
  // A paragraph holding Markdown blocks keeps its lines.
  CHECK(paragraphs_to_items("Intro.\n\n- a\n- b\n\n> quoted\n> more") ==
        std::vector<std::string>{"Intro.", "- a\n- b", "> quoted\n> more"});
  CHECK(paragraphs_to_items("\n\n  \n").empty());
}

TEST_CASE("migrate: a list becomes bullet lines") {
  CHECK(items_to_bullets({"APP-116: one", "two"}) == "- APP-116: one\n- two");
  CHECK(items_to_bullets({"first line\nsecond line"}) == "- first line\n  second line");
  CHECK(items_to_bullets({}).empty());
}

TEST_CASE("migrate: a file of the earlier format, and one already in the format") {
  auto schema = schema::Schema::builtin("persona");
  std::string old =
      "# a header comment\n"
      "pid: APP-100\n"
      "name: The Google Analytics Analyst\n"
      "app: google-analytics\n"
      "worldview: |-\n  Numbers first.\n\n  Then stories.\n"
      "composability:\n  - APP-101 (The X Y)\n";
  MigrationResult r = migrate_persona("personas/google-analytics/google-analytics-analyst.yaml",
                                      old, *schema, true);
  REQUIRE(r.text);
  CHECK(*r.text ==
        "# a header comment\n"
        "pid: APP-100\n"
        "name: The Google Analytics Analyst\n"
        "app: Google Analytics\n"
        "worldview:\n  - Numbers first.\n  - Then stories.\n"
        "composability: \"- APP-101 (The X Y)\"\n");
  REQUIRE(r.steps.size() == 3);
  CHECK(r.steps[0].key == "app");
  CHECK(r.steps[0].change == "'google-analytics' became 'Google Analytics', the app's name");
  CHECK(r.steps[1].change == "text of 2 paragraphs became 2 items");
  CHECK(r.steps[1].inexact.empty());
  CHECK(r.steps[2].change == "1 item became 1 bullet line of the text");

  MigrationResult again = migrate_persona("p.yaml", *r.text, *schema, true);
  CHECK(!again.text);
  CHECK(again.steps.empty());
  CHECK(again.diagnostics.empty());

  // An app whose name is its own slug is not a slug of the earlier format.
  CHECK(!migrate_persona("p.yaml", "name: The dbt Modeler\napp: dbt\n", *schema, false).text);

  // A comment inside the file would be lost: refused, nothing rewritten.
  MigrationResult commented =
      migrate_persona("p.yaml", "name: The Acme User\napp: acme # the slug\n", *schema, false);
  CHECK(!commented.text);
  REQUIRE(commented.diagnostics.size() == 1);
  CHECK(commented.diagnostics[0].code == "fmt-comment");
  CHECK(commented.diagnostics[0].message ==
        "comment would be lost by migrating; the file is left as it is");
}
