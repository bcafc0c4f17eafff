#include "check/check.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "check/change.h"
#include "check/rules.h"
#include "check/sarif.h"
#include "check/stats.h"
#include "core/report.h"
#include "library/format.h"
#include "library/library.h"
#include "library/records.h"
#include "schema/schema.h"
#include "support.h"
#include "yaml/tree.h"

using namespace persona;

namespace {

using test::slurp;

std::shared_ptr<const schema::Schema> sarif_schema() {
  static auto s = schema::Schema::load(
      slurp(std::string(PERSONA_SOURCE_DIR) + "/tests/data/sarif-2.1.0.schema.json"),
      "tests/data/sarif-2.1.0.schema.json");
  return s;
}

/// Validates a SARIF document (JSON text) against the SARIF 2.1.0 schema, reading it with the
/// project's YAML reader (JSON is YAML) so problems come back as positioned diagnostics.
std::vector<Diagnostic> validate_sarif(const std::string& text, const std::string& name) {
  yaml::Limits limits;
  limits.max_file_bytes = 64 << 20;
  auto parsed = yaml::parse(text, name, limits);
  if (!parsed.root) return parsed.diagnostics;
  return sarif_schema()->validate(*parsed.root, schema::to_json(*parsed.root), name);
}

std::string render(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds)
    s += d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.code +
         ": " + d.message + "\n";
  return s;
}

Diagnostic diag(std::string code, Severity sev, std::string file, int line, int col,
                std::string msg, std::string hint = {}) {
  return Diagnostic{std::move(code), sev, std::move(file), line, col, std::move(msg),
                    std::move(hint)};
}

}  // namespace

TEST_CASE("the rule catalogue is sorted, unique and described") {
  const auto& rules = check::rule_catalog();
  REQUIRE(rules.size() > 40);
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    CHECK(seen.insert(rules[i].id).second);
    if (i) CHECK(rules[i - 1].id < rules[i].id);
    CHECK(!rules[i].description.empty());
    CHECK(rules[i].description.back() == '.');
  }
  for (const char* code :
       {check::kNotCanonical, check::kRecordModified, check::kRecordRenamed, check::kRecordDeleted,
        check::kPidChanged, check::kPidCollision, check::kPidReused, check::kStaleContribution,
        check::kStaleConfirmation, check::kRecordHash, check::kRecordMismatch, check::kDirectEdit,
        check::kPersonaDeleted, check::kMultiplePersonas, "schema-type", "yaml-syntax",
        "record-edited", "duplicate-pid"})
    CHECK_MESSAGE(seen.count(code), code);
  CHECK(check::describe_rule("stale-contribution").level == Severity::kError);
  CHECK(check::describe_rule("multiple-personas").level == Severity::kWarning);
  CHECK(check::describe_rule("no-such-rule").id == "no-such-rule");
  CHECK(check::describe_rule("no-such-rule").description ==
        "A rule of persona without a description in the catalogue yet.");
}

TEST_CASE("the next free pid follows the highest one") {
  CHECK(next_free_pid({}) == "APP-100");
  CHECK(next_free_pid({"APP-153", "APP-248", "APP-7", "bogus", "APP-12x"}) == "APP-249");
  CHECK(next_free_pid({"APP-1000"}) == "APP-1001");
  CHECK(next_free_pid({"APP-", "APP-99999999999"}) == "APP-100");
}

TEST_CASE("paths become relative URIs") {
  CHECK(check::uri_from_path("personas/segment/segment-data-architect.yaml") ==
        "personas/segment/segment-data-architect.yaml");
  CHECK(check::uri_from_path("personas/a b/c%d.yaml") == "personas/a%20b/c%25d.yaml");
  CHECK(check::uri_from_path("personas/caf\xc3\xa9.yaml") == "personas/caf%C3%A9.yaml");
}

TEST_CASE("a SARIF log of every rule is valid SARIF 2.1.0") {
  std::vector<Diagnostic> ds;
  int line = 1;
  for (const auto& r : check::rule_catalog())
    ds.push_back(diag(std::string(r.id), r.level, "personas/x/y.yaml", line++, 3,
                      "message of " + std::string(r.id), line % 2 ? "a hint" : ""));
  ds.push_back(diag("record-deleted", Severity::kError, "contributions/APP-153/x.yaml", 0, 0,
                    "contribution record was deleted"));
  ds.push_back(diag("a-new-code", Severity::kWarning, "personas/a b.yaml", 2, 1, "unknown rule"));
  check::SarifOptions o;
  o.tool_version = "0.1.0";
  o.information_uri = "https://github.com/persona-library/persona";
  auto log = check::sarif_log(ds, o);
  auto problems = validate_sarif(log.dump(2), "persona.sarif");
  CHECK_MESSAGE(problems.empty(), render(problems));

  const auto& run = log["runs"][0];
  const auto& rules = run["tool"]["driver"]["rules"];
  CHECK(rules.size() == check::rule_catalog().size() + 1);
  CHECK(run["results"].size() == ds.size());
  for (const auto& res : run["results"]) {
    std::size_t idx = res["ruleIndex"].get<std::size_t>();
    CHECK(rules[idx]["id"] == res["ruleId"]);
  }
  const auto& deleted = run["results"][ds.size() - 2];
  CHECK(deleted["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "contributions/APP-153/x.yaml");
  CHECK(!deleted["locations"][0]["physicalLocation"].contains("region"));
  const auto& unknown = run["results"][ds.size() - 1];
  CHECK(unknown["level"] == "warning");
  CHECK(unknown["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "personas/a%20b.yaml");
  CHECK(unknown["locations"][0]["physicalLocation"]["region"]["startLine"] == 2);
  CHECK(rules.back()["id"] == "a-new-code");

  // The schema has teeth: a broken log is refused.
  auto broken = log;
  broken["version"] = "2.0.0";
  broken["runs"][0]["results"][0]["level"] = "fatal";
  broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0;
  auto bad = validate_sarif(broken.dump(2), "broken.sarif");
  CHECK(bad.size() >= 3);
}

TEST_CASE("an empty SARIF log is valid too") {
  auto log = check::sarif_log({}, check::SarifOptions{"0.1.0", ""});
  auto problems = validate_sarif(log.dump(), "empty.sarif");
  CHECK_MESSAGE(problems.empty(), render(problems));
  CHECK(log["runs"][0]["results"].empty());
  CHECK(!log["runs"][0]["tool"]["driver"].contains("informationUri"));
}

// tests/e2e/check_formats.sh runs this case on the real binary's output (PERSONA_SARIF_FILE),
// with --no-skip; a plain run of the unit tests skips it (it has no file to read).
TEST_CASE("sarif file from PERSONA_SARIF_FILE validates against the SARIF 2.1.0 schema" *
          doctest::skip()) {
  const char* path = std::getenv("PERSONA_SARIF_FILE");
  REQUIRE_MESSAGE((path && *path), "set PERSONA_SARIF_FILE to the SARIF file to check");
  auto problems = validate_sarif(slurp(path), path);
  CHECK_MESSAGE(problems.empty(), render(problems));
}

TEST_CASE("the step summary is a table of every diagnostic") {
  std::vector<Diagnostic> ds = {
      diag("direct-edit", Severity::kError, "personas/a|b.yaml", 7, 1, "'identity' changed",
           "a <hint>"),
      diag("multiple-personas", Severity::kWarning, "contributions/x.yaml", 0, 0,
           "this change touches 2 personas\nreally"),
  };
  CHECK(github_step_summary(ds, 13, "persona check against origin/main") ==
        "### persona check against origin/main\n\n"
        "1 error and 1 warning in 2 files (13 files checked)\n\n"
        "| | File | Line | Rule | Problem |\n"
        "| --- | --- | ---: | --- | --- |\n"
        "| error | personas/a\\|b.yaml | 7 | `direct-edit` | 'identity' changed<br>hint: a "
        "&lt;hint&gt; |\n"
        "| warning | contributions/x.yaml |  | `multiple-personas` | this change touches 2 "
        "personas<br>really |\n\n");
  CHECK(github_step_summary({}, 12, "persona check") ==
        "### persona check\n\n12 files checked, no problems\n\n");
}

TEST_CASE("github annotations stop at 10 errors and 10 warnings") {
  std::vector<Diagnostic> ds;
  for (int i = 0; i < 12; ++i) {
    ds.push_back(diag("direct-edit", Severity::kError, "p.yaml", i + 1, 1, "e, with: punctuation"));
    ds.push_back(diag("stale-confirmation", Severity::kWarning, "p.yaml", i + 1, 1, "w"));
  }
  std::ostringstream out;
  print_github(out, ds, 10, 10);
  std::string s = out.str();
  auto count = [&](std::string_view needle) {
    std::size_t n = 0;
    for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
    return n;
  };
  CHECK(count("::error ") == 10);
  CHECK(count("::warning ") == 10);
  CHECK(s.substr(s.rfind("::notice")) ==
        "::notice title=persona::4 more problems not annotated (GitHub shows at most 10 errors and "
        "10 warnings per step)\n");
}

TEST_CASE("stats count confirmations of the current value, per field and for the library") {
  Library lib;
  Persona p;
  p.pid = "APP-153";
  p.name = "The Segment Data Architect";
  p.file = "personas/segment/segment-data-architect.yaml";
  p.text["aha_moment"] = "The shift was quiet.";
  p.lists["goals"] = {"One plan", "Clean events"};
  Persona q = p;
  q.pid = "APP-154";
  q.name = "The Segment Growth Marketer";
  q.file = "personas/segment/segment-growth-marketer.yaml";
  lib.personas = {p, q};
  auto rec = [](std::string kind, std::string field, std::string author, std::string time,
                std::string value) {
    Record r;
    r.pid = "APP-153";
    r.kind = std::move(kind);
    r.field = std::move(field);
    r.author = std::move(author);
    r.time = std::move(time);
    r.value_hash = value.empty() ? "" : value_hash(value);
    r.text = "text";
    return r;
  };
  lib.records = {
      rec("confirm", "aha_moment", "Ada", "2026-11-20T09:00:00Z", "The shift was quiet."),
      rec("confirm", "aha_moment", "Grace", "2026-11-21T09:00:00Z", "The shift was quiet."),
      rec("confirm", "aha_moment", "Alan", "2026-11-01T09:00:00Z", "An earlier value."),
      rec("correct", "goals[2]", "Ada", "2026-11-27T09:00:00Z", "Dirty events"),
      rec("comment", "", "Edsger", "2026-11-28T09:00:00Z", ""),
  };
  auto s = check::compute_stats(lib, "2026-11-28T12:00:00Z");
  CHECK(s.fields == 28);
  CHECK(s.confirmed_fields == 1);
  CHECK(s.untouched_fields == 26);
  CHECK(s.records == 5);
  CHECK(s.contributors == 4);
  CHECK(check::percent(s.coverage()) == "3.6%");
  REQUIRE(s.personas.size() == 2);
  const auto& a = s.personas[0];
  CHECK(a.pid == "APP-153");
  CHECK(a.records == 5);
  CHECK(a.age_days == 0);
  CHECK(a.confirmed_fields() == 1);
  const check::FieldStats* aha = nullptr;
  const check::FieldStats* goals = nullptr;
  for (const auto& f : a.fields) {
    if (f.field == "aha_moment") aha = &f;
    if (f.field == "goals") goals = &f;
  }
  REQUIRE(aha);
  REQUIRE(goals);
  CHECK(aha->confirmations == 2);
  CHECK(aha->earlier_confirmations == 1);
  CHECK(aha->contributors == 3);
  CHECK(aha->age_days == 7);
  CHECK(goals->corrections == 1);
  CHECK(goals->age_days == 1);
  CHECK(a.untouched_fields().size() == 12);
  CHECK(s.personas[1].untouched_fields().size() == 14);

  auto j = check::stats_json(s);
  CHECK(j["coverage"]["confirmed_fields"] == 1);
  CHECK(j["personas"][1]["last_activity"].is_null());
  CHECK(j["personas"][0]["fields"].size() == 14);

  std::ostringstream out;
  check::print_stats(out, s);
  CHECK(out.str() ==
        "Validation coverage: 1 of 28 fields (3.6%) have a confirmation of their current value\n"
        "5 contributions from 4 contributors; 26 of 28 fields have no activity yet\n"
        "\n"
        "APP-153  The Segment Data Architect  (personas/segment/segment-data-architect.yaml)\n"
        "  1 of 14 fields confirmed, 5 contributions, last activity today\n"
        "  field            confirmed  earlier corrections extensions comments  last activity\n"
        "  goals                    0        0           1          0        0  1 day ago\n"
        "  aha_moment               2        1           0          0        0  7 days ago\n"
        "  no activity yet: identity, intention, outcome, frustrations, worldview, scenario, "
        "context, impact, composability, jtbd, success_signal, churn_trigger\n"
        "\n"
        "APP-154  The Segment Growth Marketer  (personas/segment/segment-growth-marketer.yaml)\n"
        "  0 of 14 fields confirmed, 0 contributions, last activity never\n"
        "  no activity on any field yet\n");
}

TEST_CASE("fmt --check as diagnostics points at the first line that differs") {
  auto schema = schema::Schema::builtin("persona");
  std::string path =
      std::string(PERSONA_SOURCE_DIR) + "/personas/segment/segment-data-architect.yaml";
  std::string text = slurp(path);
  Library lib;
  lib.files.push_back(
      check_persona_text("personas/segment/segment-data-architect.yaml", text, *schema, true));
  CHECK(check::format_check(lib, {}, true, *schema).empty());
  std::string changed = text;
  changed.replace(changed.find("app: Segment"), 12, "app: 'Segment'");
  lib.files[0] =
      check_persona_text("personas/segment/segment-data-architect.yaml", changed, *schema, true);
  auto ds = check::format_check(lib, {}, true, *schema);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].code == "not-canonical");
  CHECK(ds[0].line == 4);
  CHECK(ds[0].hint ==
        "run 'persona fmt personas/segment/segment-data-architect.yaml' to rewrite it");
  // Only the files asked for.
  CHECK(check::format_check(lib, {"personas/other.yaml"}, false, *schema).empty());
  CHECK(check::format_check(lib, {"personas/segment/segment-data-architect.yaml"}, false, *schema)
            .size() == 1);
}

TEST_CASE("coverage figures are percentages with one decimal") {
  CHECK(check::percent(0) == "0.0%");
  CHECK(check::percent(3.0 / 154) == "1.9%");
  CHECK(check::percent(1) == "100.0%");
}
