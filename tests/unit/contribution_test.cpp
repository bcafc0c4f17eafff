#include "library/contribution.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "core/text.h"
#include "git/history.h"
#include "git/pending.h"
#include "git/repository.h"
#include "library/library.h"
#include "support.h"
#include "workflow/contribute.h"
#include "yaml/emit.h"

using namespace persona;
namespace fs = std::filesystem;

namespace {

const std::string kPath = "personas/segment/segment-data-architect.yaml";
const std::string kTime = "2026-11-28T17:30:00Z";

std::string bundled(const std::string& rel) {
  return read_file(fs::path(PERSONA_SOURCE_DIR) / rel);
}

const schema::Schema& persona_schema() {
  static const auto schema = schema::Schema::builtin("persona");
  return *schema;
}

ContributionRequest request(std::string kind, std::string field, std::string text = {}) {
  ContributionRequest r;
  r.pid = "APP-153";
  r.kind = std::move(kind);
  r.field = std::move(field);
  r.text = std::move(text);
  r.author = "Ada Lovelace";
  return r;
}

Persona parse_persona(const std::string& text) {
  auto f = check_persona_text(kPath, text, persona_schema(), true);
  REQUIRE(f.ok());
  return build_persona(f);
}

std::vector<std::string> messages(const std::vector<RequestProblem>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(p.key + ": " + p.message);
  return out;
}

using test::TempDir;

}  // namespace

TEST_CASE("contribution text is normalized") {
  CHECK(normalize_contribution_text("\r\n\n  Hello  \r\nworld\t\n\n") == "  Hello\nworld");
  CHECK(normalize_contribution_text("   \n") == "");
}

TEST_CASE("requests are checked on their own, each problem tied to its key") {
  CHECK(check_request(request("confirm", "aha_moment"), false).empty());
  CHECK(messages(check_request(request("confrm", "aha_moment"), false)) ==
        std::vector<std::string>{"kind: unknown kind of contribution 'confrm'"});
  CHECK(check_request(request("confrm", "aha_moment"), false)[0].hint == "did you mean 'confirm'?");
  CHECK(messages(check_request(request("confirm", "aha_momnt"), false)) ==
        std::vector<std::string>{"field: unknown field 'aha_momnt'; did you mean 'aha_moment'?"});
  CHECK(messages(check_request(request("correct", "goals", "x"), false)) ==
        std::vector<std::string>{
            "field: a correction replaces a text field or one list item, and 'goals' is a list"});
  CHECK(messages(check_request(request("extend", "goals[2]", "x"), false)) ==
        std::vector<std::string>{"field: an extension adds to a whole field, not to 'goals[2]'"});
  CHECK(messages(check_request(request("confirm", "identity", "yes"), false)) ==
        std::vector<std::string>{"text: a confirmation takes no text"});
  CHECK(messages(check_request(request("correct", "identity", " \n"), false)) ==
        std::vector<std::string>{"text: a contribution of kind 'correct' needs a text"});
  CHECK(messages(check_request(request("extend", "goals", "one\ntwo"), false)) ==
        std::vector<std::string>{"text: a list item is one line, and the text has 2 lines"});
  CHECK(messages(check_request(request("confirm", ""), false)) ==
        std::vector<std::string>{"field: a contribution of kind 'confirm' needs a field"});
  CHECK(check_request(request("comment", "", "Nice."), false).empty());
  CHECK(messages(check_request(request("comment", "", "Nice."), true)) ==
        std::vector<std::string>{"note: this library asks for a note with every contribution"});
  auto r = request("comment", "", "Write to ada@example.org.");
  CHECK(messages(check_request(r, false)) ==
        std::vector<std::string>{"text: the text contains an email address"});
}

TEST_CASE("a confirmation records the hash of the value it confirmed and changes no persona") {
  std::string text = bundled(kPath);
  auto req = request("confirm", "aha_moment");
  req.note = "Data engineer at a 40-person SaaS, 3 years on Segment";
  Contribution c = make_contribution(kPath, text, req, kTime, persona_schema());
  REQUIRE(c.ok());
  CHECK_FALSE(c.persona_text);
  Persona p = parse_persona(text);
  CHECK(c.record.value_hash == value_hash(*p.canonical_value(FieldPath{"aha_moment", {}})));
  CHECK(c.record.id == record_id(c.record));
  CHECK(c.record.file == "contributions/APP-153/20261128T173000Z-" + c.record.id + ".yaml");
  CHECK(c.record_text == "id: " + c.record.id +
                             "\npid: APP-153\nkind: confirm\nfield: aha_moment\n"
                             "note: Data engineer at a 40-person SaaS, 3 years on Segment\n"
                             "author: Ada Lovelace\ntime: 2026-11-28T17:30:00Z\nvalue_hash: " +
                             c.record.value_hash + "\n");
  CHECK(c.old_value == c.new_value);
  CHECK(default_branch_name("contrib", c.record) ==
        "contrib/APP-153/confirm-aha_moment-" + c.record.id.substr(0, 8));
  std::string m = contribution_message(c);
  CHECK(m.starts_with("Confirm aha_moment of APP-153 (The Segment Data Architect)\n\n"));
  CHECK(
      m.ends_with("\n\nPersona: APP-153\nField: aha_moment\nContribution: " + c.record.id + "\n"));
}

TEST_CASE("record values that look like numbers or null stay strings") {
  // 72860e004881 is a float to a YAML 1.2 reader when plain: found by the concurrent e2e test.
  Record r;
  r.id = "72860e004881";
  r.pid = "APP-153";
  r.kind = "comment";
  r.text = "42";
  r.author = "null";
  r.time = kTime;
  std::string text = yaml::emit(record_tree(r));
  CHECK(text ==
        "id: \"72860e004881\"\npid: APP-153\nkind: comment\ntext: \"42\"\nauthor: \"null\"\ntime: "
        "2026-11-28T17:30:00Z\n");
  auto parsed = yaml::parse(text, "r.yaml");
  REQUIRE(parsed.root);
  CHECK(parsed.root->find("id")->scalar_type() == yaml::ScalarType::kString);
  CHECK(parsed.root->find("author")->scalar_type() == yaml::ScalarType::kString);
}

TEST_CASE("a correction replaces one list item, in canonical form, and nothing else") {
  std::string text = bundled(kPath);
  auto req = request("correct", "goals[2]",
                     "Block or repair malformed events before they reach the warehouse");
  Contribution c = make_contribution(kPath, text, req, kTime, persona_schema());
  REQUIRE(c.ok());
  REQUIRE(c.persona_text);
  CHECK(c.old_value ==
        "Block or transform malformed events before they reach the warehouse and downstream tools");
  CHECK(c.new_value == req.text);
  CHECK(c.record.value_hash == value_hash(c.old_value));
  // Exactly one line differs.
  auto a = split_lines(text), b = split_lines(*c.persona_text);
  REQUIRE(a.size() == b.size());
  int differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differ += a[i] != b[i];
  CHECK(differ == 1);
  Persona after = parse_persona(*c.persona_text);
  CHECK(after.lists["goals"][1] == req.text);
  CHECK(default_branch_name("contrib", c.record) ==
        "contrib/APP-153/correct-goals-2-" + c.record.id.substr(0, 8));
  CHECK(contribution_message(c).find("\nField: goals[2]\n") != std::string::npos);

  // After the correction a confirmation of the old value counts as an earlier one.
  Contribution confirm = make_contribution(kPath, text, request("confirm", "goals[2]"),
                                           "2026-11-01T00:00:00Z", persona_schema());
  REQUIRE(confirm.ok());
  auto activity = compute_activity({after}, {confirm.record, c.record});
  CHECK(activity["APP-153"].fields["goals"].confirmations == 0);
  CHECK(activity["APP-153"].fields["goals"].earlier_confirmations == 1);
  CHECK(activity["APP-153"].fields["goals"].corrections == 1);
}

TEST_CASE("an extension appends a paragraph to a text field or an item to a list") {
  std::string text = bundled(kPath);
  Contribution c =
      make_contribution(kPath, text, request("extend", "aha_moment", "It clicked again later."),
                        kTime, persona_schema());
  REQUIRE(c.ok());
  CHECK(c.new_value == c.old_value + "\n\nIt clicked again later.");
  Contribution l =
      make_contribution(kPath, text, request("extend", "frustrations", "Replays cost extra."),
                        kTime, persona_schema());
  REQUIRE(l.ok());
  Persona after = parse_persona(*l.persona_text);
  CHECK(after.lists["frustrations"].size() == 6);
  CHECK(after.lists["frustrations"].back() == "Replays cost extra.");
}

TEST_CASE("a comment on the whole persona has no field and no hash") {
  Contribution c = make_contribution(kPath, bundled(kPath), request("comment", "", "Spot on."),
                                     kTime, persona_schema());
  REQUIRE(c.ok());
  CHECK(c.record.field.empty());
  CHECK(c.record.value_hash.empty());
  CHECK(default_branch_name("contrib", c.record) ==
        "contrib/APP-153/comment-" + c.record.id.substr(0, 8));
  std::string m = contribution_message(c);
  CHECK(m.starts_with("Comment on APP-153 (The Segment Data Architect)\n"));
  CHECK(m.find("Field:") == std::string::npos);
}

TEST_CASE("check_request_fit finds what the persona refuses beside the request's own problems") {
  std::string text = bundled(kPath);
  CHECK(
      messages(check_request_fit(kPath, text, request("correct", "goals[9]"), persona_schema())) ==
      std::vector<std::string>{
          "field: 'goals[9]' does not exist: 'APP-153''s 'goals' has 5 items"});
  CHECK(check_request_fit(kPath, text, request("correct", "goals[2]"), persona_schema()).empty());
  CHECK(check_request_fit(kPath, "pid: [", request("confirm", "goals"), persona_schema()).empty());
}

TEST_CASE("requests that do not fit the persona, and personas that do not validate, are refused") {
  std::string text = bundled(kPath);
  Contribution c =
      make_contribution(kPath, text, request("confirm", "goals[9]"), kTime, persona_schema());
  CHECK(messages(c.problems) ==
        std::vector<std::string>{
            "field: 'goals[9]' does not exist: 'APP-153''s 'goals' has 5 items"});

  std::string current = *parse_persona(text).canonical_value(FieldPath{"goals", 1});
  c = make_contribution(kPath, text, request("correct", "goals[1]", current), kTime,
                        persona_schema());
  CHECK(messages(c.problems) ==
        std::vector<std::string>{"text: the text is already the value of 'goals[1]'"});

  c = make_contribution(kPath, text,
                        request("extend", "identity", "They also own the reverse ETL jobs"), kTime,
                        persona_schema());
  CHECK_FALSE(c.ok());
  CHECK(c.diagnostics_stage == "after");
  REQUIRE(!c.diagnostics.empty());
  CHECK(c.diagnostics[0].code == "truncated-text");
  CHECK_FALSE(c.persona_text);

  std::string commented = text;
  commented.replace(commented.find("goals:\n"), 7, "goals:\n  # the first one matters most\n");
  c = make_contribution(kPath, commented, request("extend", "goals", "One more."), kTime,
                        persona_schema());
  CHECK(c.diagnostics_stage == "before");
  REQUIRE(c.diagnostics.size() == 1);
  CHECK(c.diagnostics[0].code == "fmt-comment");
  CHECK(c.diagnostics[0].message ==
        "comment would be lost by rewriting the persona for this change");
  // A confirmation does not rewrite the file, so the comment is no obstacle.
  CHECK(make_contribution(kPath, commented, request("confirm", "goals"), kTime, persona_schema())
            .ok());

  std::string broken = text;
  broken.replace(broken.find("version: 1"), 10, "version: 0");
  c = make_contribution(kPath, broken, request("confirm", "identity"), kTime, persona_schema());
  CHECK(c.diagnostics_stage == "before");
  CHECK_FALSE(c.ok());
}

TEST_CASE("apply reads YAML, JSON and the issue form, with positions for every key") {
  auto y = parse_request("r.yaml",
                         "pid: APP-153\ncorrect: goals[2]\ntext: |\n  New goal\nnote: I know\n");
  CHECK(y.format == "yaml");
  CHECK(y.diagnostics.empty());
  CHECK(y.request.kind == "correct");
  CHECK(y.request.field == "goals[2]");
  CHECK(y.request.text == "New goal\n");
  CHECK(y.positions.at("field").line == 2);
  CHECK(y.positions.at("field").column == 10);

  auto j = parse_request(
      "r.json",
      "{\"pid\": \"APP-153\", \"kind\": \"comment\", \"text\": \"Hi.\", \"athor\": \"x\"}");
  CHECK(j.format == "json");
  REQUIRE(j.diagnostics.size() == 1);
  CHECK(j.diagnostics[0].code == "request-key");
  CHECK(j.diagnostics[0].column == 54);
  CHECK(j.diagnostics[0].message == "unknown key 'athor'");
  CHECK(j.diagnostics[0].hint == "did you mean 'author'?");

  auto conflict = parse_request("r.yaml", "pid: APP-153\nconfirm: identity\nkind: correct\n");
  REQUIRE(conflict.diagnostics.size() == 1);
  CHECK(conflict.diagnostics[0].message == "'kind' conflicts with 'confirm'");
  CHECK(conflict.diagnostics[0].line == 3);

  auto form = parse_request(
      "body.md",
      "### Persona id\r\n\r\nAPP-153\r\n\r\n### Kind of contribution\r\n\r\nExtend\r\n\r\n"
      "### Field\r\n\r\n`frustrations`\r\n\r\n### Text\r\n\r\nReplays cost extra.\r\n\r\n"
      "### Lived experience\r\n\r\n_No response_\r\n\r\n### Name to credit\r\n\r\nGrace "
      "Hopper\r\n");
  CHECK(form.format == "issue-form");
  CHECK(form.diagnostics.empty());
  CHECK(form.request.pid == "APP-153");
  CHECK(form.request.kind == "extend");
  CHECK(form.request.field == "frustrations");
  CHECK(form.request.text == "Replays cost extra.");
  CHECK(form.request.note.empty());
  CHECK(form.request.author == "Grace Hopper");
  CHECK(form.positions.at("text").line == 15);
  Diagnostic d = request_diagnostic(form, "body.md", RequestProblem{"text", "bad", "hint"});
  CHECK(d.code == "request-text");
  CHECK(d.line == 15);
  CHECK(d.column == 1);
  CHECK(request_diagnostic(form, "body.md", RequestProblem{"base", "x", ""}).line == 0);
}

TEST_CASE("contribute writes one commit on a new branch and leaves the working tree alone") {
  TempDir d;
  git::Repository repo = git::Repository::init(d.path);
  std::vector<git::FileWrite> files = {{"library.yaml", bundled("library.yaml")},
                                       {kPath, bundled(kPath)}};
  git::CommitRequest init;
  init.files = files;
  init.message = "init";
  init.author = init.committer = git::Signature{"Ada Lovelace", "ada@example.org", 1764351000, 0};
  git::ObjectId base = repo.write_commit(init);
  repo.create_branch("main", base, "init");
  // The working tree holds only a dirty library.yaml: contribute must read the commit, not it.
  std::ofstream(d.path / "library.yaml") << "name: dirty\n";
  // The repository's own identity, so the test does not depend on the user's global one.
  std::ofstream(repo.git_dir() / "config", std::ios::app)
      << "[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n";

  ContributeOptions o;
  o.library_root = d.path;
  o.request = request("correct", "goals[2]",
                      "Block or repair malformed events before they reach the warehouse");
  o.request.author.clear();
  o.persona_schema = schema::Schema::builtin("persona");
  o.now = kTime;
  o.getenv = [](const char*) -> const char* { return nullptr; };

  o.dry_run = true;
  ContributeResult dry = contribute(o);
  REQUIRE(dry.contribution.ok());
  CHECK(dry.commit.empty());
  CHECK_FALSE(repo.branch_exists(dry.branch));

  o.dry_run = false;
  ContributeResult r = contribute(o);
  REQUIRE(r.contribution.ok());
  CHECK(r.branch == dry.branch);
  CHECK(repo.resolve_commit(r.branch) == r.commit);
  CHECK(r.files == std::vector<std::string>{r.contribution.record.file, kPath});
  CHECK(r.push_command == "git push -u origin " + r.branch);
  git::CommitInfo info = repo.commit_info(r.commit);
  CHECK(info.parents == std::vector<std::string>{base});
  CHECK(info.author.name == "Ada Lovelace");
  CHECK(info.author.email == "ada@example.org");
  CHECK(info.author.time == 1795887000);
  CHECK(repo.read_blob(r.commit, r.contribution.record.file) ==
        std::optional<std::string>(r.contribution.record_text));
  CHECK(repo.read_blob(r.commit, kPath) == r.contribution.persona_text);
  CHECK(repo.head_commit() == base);
  CHECK(read_file(d.path / "library.yaml") == "name: dirty\n");
  CHECK_FALSE(fs::exists(d.path / "contributions"));
  CHECK_FALSE(fs::exists(repo.git_dir() / "index"));

  // The working tree has no persona file at all: that is an uncommitted change too.
  CHECK(r.warnings ==
        std::vector<std::string>{kPath + " has uncommitted changes; the contribution is "
                                         "made against the committed version"});

  // The same contribution again: recorded already, on the branch just made; nothing written.
  ContributeResult again = contribute(o);
  REQUIRE(again.already_recorded);
  CHECK(again.already_recorded->message == "this contribution is already recorded as '" +
                                               r.contribution.record.file + "' on branch '" +
                                               r.branch + "'");
  CHECK(again.commit.empty());
  // What it was found in: the records on the contribution branches the base does not have.
  CHECK(contribution_branches(repo, "contrib").size() == 1);
  CHECK(contribution_branches(repo, "other").empty());
  CHECK(contribution_branches(repo, "").size() == 2);  // main as well
  auto pending = pending_records(repo, base, "", "APP-153", "contrib");
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].record.file == r.contribution.record.file);
  CHECK(pending[0].branches == std::vector<std::string>{r.branch});
  CHECK(pending[0].commit == r.commit);
  CHECK(pending_records(repo, r.commit, "", "APP-153", "contrib").empty());
  CHECK(records_at(repo, base, "", "APP-153").empty());
  REQUIRE(records_at(repo, r.commit, "", "APP-153").size() == 1);
  CHECK(records_at(repo, r.commit, "", "APP-153")[0].id == r.contribution.record.id);

  // Someone else's contribution on a branch name taken: a free name is suggested.
  o.request.author = "Grace Hopper";
  o.branch = r.branch;
  try {
    contribute(o);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "branch '" + r.branch + "' already exists");
    CHECK(e.hint() == "choose another name with --branch, e.g. '" + r.branch + "-2'");
  }
  o.branch.clear();

  // An unknown pid is a request problem with "did you mean".
  o.request.pid = "APP-15";
  ContributeResult unknown = contribute(o);
  REQUIRE(unknown.contribution.problems.size() == 1);
  CHECK(unknown.contribution.problems[0].hint == "did you mean 'APP-153'?");

  // Every problem at once: the pid first, then the request's own.
  o.request.text.clear();
  unknown = contribute(o);
  CHECK(messages(unknown.contribution.problems) ==
        std::vector<std::string>{
            "pid: unknown persona 'APP-15' at the base commit '" + base.substr(0, 12) + "'",
            "text: a contribution of kind 'correct' needs a text"});
}

TEST_CASE("history ties records to commits and confirmations to the value they confirmed") {
  TempDir d;
  git::Repository repo = git::Repository::init(d.path);
  std::string text = bundled(kPath);
  Contribution confirm = make_contribution(kPath, text, request("confirm", "goals[2]"),
                                           "2026-11-01T00:00:00Z", persona_schema());
  Contribution correct =
      make_contribution(kPath, text, request("correct", "goals[2]", "A better goal."),
                        "2026-11-02T00:00:00Z", persona_schema());
  REQUIRE(confirm.ok());
  REQUIRE(correct.ok());
  git::CommitRequest c1;
  c1.files = {{"library.yaml", bundled("library.yaml")},
              {kPath, text},
              {confirm.record.file, confirm.record_text}};
  c1.message = "first";
  c1.author = c1.committer = git::Signature{"Ada Lovelace", "ada@example.org", 1764351000, 0};
  git::ObjectId first = repo.write_commit(c1);
  git::CommitRequest c2 = c1;
  c2.parent = first;
  c2.files = {{kPath, *correct.persona_text}, {correct.record.file, correct.record_text}};
  c2.message = "second";
  git::ObjectId second = repo.write_commit(c2);
  repo.create_branch("main", second, "test");
  // The working tree: the whole bundled library (cross-references resolve), as committed.
  fs::copy(fs::path(PERSONA_SOURCE_DIR) / "personas", d.path / "personas",
           fs::copy_options::recursive);
  for (const auto& f : std::vector<git::FileWrite>{{"library.yaml", bundled("library.yaml")},
                                                   {kPath, *correct.persona_text},
                                                   {confirm.record.file, confirm.record_text},
                                                   {correct.record.file, correct.record_text}}) {
    fs::create_directories((d.path / f.path).parent_path());
    std::ofstream(d.path / f.path, std::ios::binary) << f.content;
  }

  LoadOptions lo;
  lo.now = "2026-11-28T00:00:00Z";
  Library lib = load_library(d.path, lo);
  REQUIRE(lib.records.size() == 2);
  PersonaHistory h = persona_history(lib, *lib.find("APP-153"), &repo);
  CHECK(h.head == second);
  CHECK(h.total == 2);
  REQUIRE(h.fields.size() == 1);
  CHECK(h.fields[0].field == "goals");
  CHECK(h.fields[0].activity.confirmations == 0);
  CHECK(h.fields[0].activity.earlier_confirmations == 1);
  CHECK(h.fields[0].activity.corrections == 1);
  REQUIRE(h.fields[0].entries.size() == 2);
  CHECK(h.fields[0].entries[0].commit == first);
  CHECK_FALSE(h.fields[0].entries[0].current_value);
  CHECK(h.fields[0].entries[0].replaced_by == correct.record.id);
  CHECK(h.fields[0].entries[1].commit == second);
  CHECK(h.fields[0].entries[1].commit_summary == "second");
  CHECK(history_text(h).find("(an earlier value, replaced by " + correct.record.id + ")") !=
        std::string::npos);

  PersonaHistory only =
      persona_history(lib, *lib.find("APP-153"), &repo, FieldPath{"identity", {}});
  CHECK(only.total == 0);
  CHECK(history_text(only) ==
        "APP-153 The Segment Data Architect\nno contributions yet to identity\n");
}

TEST_CASE(
    "an extension that makes a field longer than a file's value may be is a field-level problem") {
  // The bundled schema keeps a text field far below the reader's 64 KiB per value; a schema that
  // does not must still get a clear problem, not an internal error from the writer.
  nlohmann::ordered_json raw = persona_schema().raw();
  raw["definitions"]["text"].erase("maxLength");
  auto loose = schema::Schema::load(raw.dump(), "loose.schema.json");
  std::string text = bundled(kPath);
  std::string long_identity(60000, 'a');
  for (std::size_t i = 99; i < long_identity.size(); i += 100) long_identity[i] = ' ';
  long_identity += ".";
  std::size_t from = text.find("identity: |-\n"), to = text.find("intention: |-\n");
  text = text.substr(0, from) + "identity: \"" + long_identity + "\"\n" + text.substr(to);
  REQUIRE(check_persona_text(kPath, text, *loose, true).ok());
  Contribution c = make_contribution(
      kPath, text, request("extend", "identity", std::string(7998, 'b') + "."), kTime, *loose);
  CHECK(messages(c.problems) ==
        std::vector<std::string>{
            "text: with the text, 'identity' would be 68002 bytes long, over the "
            "limit of 65536 bytes a field may hold"});
}
