#include "library/rules.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "library/library.h"

using namespace persona;

static std::string seed(const std::string& rel) {
  std::ifstream in(std::string(PERSONA_SOURCE_DIR) + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

static std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

/// The jtbd entry of a file, from its key to the next key.
static std::string jtbd_block(const std::string& s) {
  auto from = s.find("\njtbd: ") + 1;
  auto to = s.find("\nsuccess_signal: ") + 1;
  return s.substr(from, to - from);
}

static const char* kSegment = "personas/segment/segment-data-architect.yaml";

TEST_CASE("the bundled persona passes every per-file rule") {
  auto f = check_persona_text(kSegment, seed(kSegment), *schema::Schema::builtin("persona"), true);
  CHECK(f.diagnostics.empty());
  REQUIRE(f.ok());
  Persona p = build_persona(f);
  CHECK(p.pid == "APP-153");
  CHECK(p.app == "Segment");
  CHECK(p.app_slug() == "segment");
  CHECK(p.archetype() == "Data Architect");
  CHECK(p.canonical_path() == kSegment);
}

static std::vector<std::string> codes(const std::string& path, const std::string& text) {
  auto f = check_persona_text(path, text, *schema::Schema::builtin("persona"), true);
  std::vector<std::string> out;
  for (const auto& d : f.diagnostics) out.push_back(d.code);
  return out;
}

TEST_CASE("library rules catch what a schema cannot") {
  std::string s = seed(kSegment);
  CHECK(codes("personas/segment/other.yaml", s) == std::vector<std::string>{"path-mismatch"});
  CHECK(codes(kSegment,
              replace(s, "name: The Segment Data Architect", "name: The Stripe Data Architect")) ==
        std::vector<std::string>{"name-app-mismatch"});
  auto jt = jtbd_block(s);
  CHECK(codes(kSegment, replace(s, jt, "jtbd: When I ship events, I want to trust them.\n")) ==
        std::vector<std::string>{"jtbd-form"});
  CHECK(codes(kSegment, replace(s, "version: 1", "version: 1\n# fine")) ==
        std::vector<std::string>{});
}

TEST_CASE("the app is its name; its folder is the one slug rule's") {
  CHECK(app_slug("Google Analytics") == "google-analytics");
  CHECK(app_slug("  Monday.com ") == "monday-com");
  CHECK(app_slug("Miro\xE2\x84\xA2") == "miro");
  CHECK(app_slug("\xE9\xA3\x9E\xE4\xB9\xA6").empty());
  CHECK(canonical_persona_path("Google Analytics", "The Google Analytics Growth Analyst") ==
        "personas/google-analytics/google-analytics-growth-analyst.yaml");
  std::string s = seed(kSegment);
  auto diags = [&](const std::string& path, const std::string& text) {
    auto f = check_persona_text(path, text, *schema::Schema::builtin("persona"), true);
    std::vector<std::string> out;
    for (const auto& d : f.diagnostics)
      out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.code + " " +
                    d.message);
    return out;
  };
  std::string two_words =
      replace(replace(s, "app: Segment", "app: Segment Connections"),
              "name: The Segment Data Architect", "name: The Segment Connections Data Architect");
  CHECK(diags("personas/segment-connections/segment-connections-data-architect.yaml", two_words)
            .empty());
  CHECK(diags(kSegment, replace(s, "app: Segment", "app: segment")) ==
        std::vector<std::string>{
            "4:6 legacy-format 'app' is the slug 'segment' of the earlier format; "
            "the format writes the app's name, 'Segment'"});
  CHECK(
      diags(kSegment, replace(s, "app: Segment", "app: SEGMENT")) ==
      std::vector<std::string>{"3:7 name-app-mismatch 'name' 'The Segment Data Architect' does not "
                               "start with 'The' and the app 'SEGMENT'"});
  std::string no_slug = replace(replace(s, "app: Segment", "app: \"\xE9\xA3\x9E\xE4\xB9\xA6\""),
                                "name: The Segment Data Architect",
                                "name: \"The \xE9\xA3\x9E\xE4\xB9\xA6 Data Architect\"");
  CHECK(diags(kSegment, no_slug) ==
        std::vector<std::string>{
            "4:6 app-slug 'app' '\xE9\xA3\x9E\xE4\xB9\xA6' has no ASCII letter or "
            "digit to name its folder"});
  // A list of bullet lines ends without a full stop: that is not text cut off mid-sentence.
  CHECK(diags(kSegment, s).empty());
  auto after_list = diags(kSegment, replace(s, "CI syncs it to Protocols\n",
                                            "CI syncs it to Protocols\n\n  And then\n"));
  REQUIRE(after_list.size() == 1);
  CHECK(after_list[0].find("truncated-text 'composability' stops mid-sentence, after 'then'") !=
        std::string::npos);
}

TEST_CASE("a version is a number as written") {
  std::string s = seed(kSegment);
  for (const char* v : {"1.0", "1.1", "2", "0.5", "1e2"}) {
    auto f = check_persona_text(kSegment,
                                replace(s, "version: 1\n", std::string("version: ") + v + "\n"),
                                *schema::Schema::builtin("persona"), true);
    CHECK_MESSAGE(f.diagnostics.empty(), v);
    REQUIRE(f.ok());
    CHECK(build_persona(f).version == v);
  }
  for (const char* v : {"0", "-1", "'1'", "true", "1000001"}) {
    auto f = check_persona_text(kSegment,
                                replace(s, "version: 1\n", std::string("version: ") + v + "\n"),
                                *schema::Schema::builtin("persona"), true);
    CHECK_MESSAGE(!f.ok(), v);
  }
}

TEST_CASE("duplicate items in short and long lists") {
  std::string s = seed(kSegment);
  auto messages = [&](const std::string& text) {
    auto f = check_persona_text(kSegment, text, *schema::Schema::builtin("persona"), true);
    std::vector<std::string> out;
    for (const auto& d : f.diagnostics)
      if (d.code == "duplicate-item") out.push_back(d.message);
    return out;
  };
  CHECK(messages(replace(s, "tags:\n", "tags:\n  - dup\n  - ' dup '\n")) ==
        std::vector<std::string>{"'tags[2]' repeats 'tags[1]' 'dup'"});
  std::string items;
  for (int i = 0; i < 40; ++i) items += "  - item " + std::to_string(i % 35) + "\n";
  auto long_list = messages(replace(s, "tags:\n", "tags:\n" + items));
  REQUIRE(long_list.size() == 5);
  CHECK(long_list[0] == "'tags[36]' repeats 'tags[1]' 'item 0'");
  CHECK(long_list[4] == "'tags[40]' repeats 'tags[5]' 'item 4'");
}

TEST_CASE("jtbd messages say what is missing") {
  std::string s = seed(kSegment);
  auto jt = jtbd_block(s);
  auto f = check_persona_text(kSegment, replace(s, jt, "jtbd: When I ship, I want to sleep.\n"),
                              *schema::Schema::builtin("persona"), true);
  REQUIRE(f.diagnostics.size() == 1);
  CHECK(f.diagnostics[0].message ==
        "'jtbd' is not a job story: ', so ...' is missing after 'I want to'");
}

TEST_CASE("cross-file rules: duplicate pid and unresolved references") {
  auto schema = schema::Schema::builtin("persona");
  std::string s = seed(kSegment);
  std::vector<PersonaFile> files;
  files.push_back(check_persona_text("personas/segment/a.yaml", s, *schema, false));
  files.push_back(check_persona_text("personas/segment/b.yaml", s, *schema, false));
  auto ds = library_rules(files);
  // Both files reference APP-116 etc. that are not in this two-file library.
  int dup = 0, unresolved = 0;
  for (const auto& d : ds) {
    if (d.code == "duplicate-pid") {
      ++dup;
      CHECK(d.file == "personas/segment/b.yaml");
      CHECK(d.message == "pid 'APP-153' is already used by 'personas/segment/a.yaml'");
    }
    if (d.code == "unresolved-reference") ++unresolved;
  }
  CHECK(dup == 1);
  CHECK(unresolved > 0);
}

TEST_CASE("field paths") {
  std::string err;
  auto p = parse_field_path("goals[2]", &err);
  REQUIRE(p);
  CHECK(p->field == "goals");
  CHECK(*p->item == 2);
  CHECK(p->str() == "goals[2]");
  CHECK(!parse_field_path("goals[0]", &err));
  CHECK(err == "items are numbered from 1, not 0: 'goals[0]'");
  CHECK(!parse_field_path("identity[1]", &err));
  CHECK(err == "field 'identity' is text, not a list; address it as 'identity'");
  CHECK(!parse_field_path("aha", &err));
  CHECK(!parse_field_path("frustration", &err));
  CHECK(err == "unknown field 'frustration'; did you mean 'frustrations'?");
}

TEST_CASE("mentions: what a file says of other pids, kept flat and read back only when whole") {
  auto f = check_persona_text("personas/acme/a.yaml",
                              "pid: APP-100\n"
                              "goals:\n"
                              "  - see APP-222 and APP-100, not xAPP-333 or APP-44\n"
                              "identity: |-\n"
                              "  Works with APP-55555.\n",
                              *schema::Schema::builtin("persona"), false);
  Mentions m = mentions_of(f);
  std::vector<std::string> got;
  m.each([&](const Mentions::Item& i) {
    got.push_back(std::string(i.pid) + "@" + std::to_string(i.at.line) + ":" +
                  std::to_string(i.at.column) + " " + std::string(i.label));
  });
  // Its own pid is no mention; "xAPP-333" is no pid, nor "APP-44" (too few digits).
  CHECK(got == std::vector<std::string>{"APP-222@3:9 goals[1]", "APP-55555@5:14 identity"});

  auto back = Mentions::from_bytes(m.bytes());
  REQUIRE(back);
  CHECK(back->bytes() == m.bytes());
  CHECK(Mentions::from_bytes("")->empty());
  // Bytes cut inside a mention, or a length running past the end, are refused.
  Mentions one;
  one.add("APP-222", yaml::Mark{3, 11}, "goals[1]");
  const std::string b = one.bytes();
  for (std::size_t n = 1; n < b.size(); ++n) CHECK_FALSE(Mentions::from_bytes(b.substr(0, n)));
  CHECK(Mentions::from_bytes(b + b));
  CHECK_FALSE(Mentions::from_bytes(b + "x"));
  std::string long_label = b;
  long_label[b.size() - 9] = 100;  // the label's length
  CHECK_FALSE(Mentions::from_bytes(long_label));
}

TEST_CASE("cross-file rules on thousands of pids: each mention resolved or reported once") {
  auto schema = schema::Schema::builtin("persona");
  std::vector<PersonaFile> files;
  for (int i = 1; i <= 3000; ++i) {
    PersonaFile f;
    f.path = "personas/p/" + std::to_string(i) + ".yaml";
    f.root = yaml::make_mapping();
    yaml::append(*f.root, "pid", yaml::make_scalar("APP-" + std::to_string(1000 + i)));
    files.push_back(std::move(f));
  }
  files[10].root->children[1].value = "APP-1001";  // a second file with the first one's pid
  std::vector<Mentions> mentions(files.size());
  for (int i = 0; i < 3000; ++i) {
    // The next file's pid, and one no file has.
    mentions[i].add("APP-" + std::to_string(1000 + (i + 1) % 3000 + 1), yaml::Mark{2, 3},
                    "goals[1]");
    if (i % 1000 == 0) mentions[i].add("APP-9" + std::to_string(i), yaml::Mark{3, 3}, "goals[2]");
  }
  auto ds = library_rules(files, mentions);
  std::vector<std::string> messages;
  for (const auto& d : ds) messages.push_back(d.file + " " + d.message);
  // APP-1011, the pid file 11 had, is no file's any more: file 10 refers to it.
  CHECK(messages ==
        std::vector<std::string>{
            "personas/p/11.yaml pid 'APP-1001' is already used by 'personas/p/1.yaml'",
            "personas/p/1.yaml 'goals[2]' refers to 'APP-90', which no persona has",
            "personas/p/10.yaml 'goals[1]' refers to 'APP-1011', which no persona has",
            "personas/p/1001.yaml 'goals[2]' refers to 'APP-91000', which no persona has",
            "personas/p/2001.yaml 'goals[2]' refers to 'APP-92000', which no persona has"});
}

TEST_CASE("truncated-text points at the last word, template-text lists every placeholder") {
  std::string s = seed(kSegment);
  auto diags = [&](const std::string& text) {
    auto f = check_persona_text(kSegment, text, *schema::Schema::builtin("persona"), true);
    std::vector<std::string> out;
    for (const auto& d : f.diagnostics)
      out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.code + " " +
                    d.message);
    return out;
  };
  // "data" is in the block's first line too; the last word is on its last line.
  CHECK(
      diags(replace(s, "  keeping it clean.\n", "  keeping it clean and the data\n")) ==
      std::vector<std::string>{"19:28 truncated-text 'identity' stops mid-sentence, after 'data'"});
  // A plain scalar on one line, whose last word is also the key's name and an earlier word.
  std::size_t from = s.find("identity: |-\n"), to = s.find("intention: |-\n");
  std::string plain = s.substr(0, from) + "identity: the identity of an identity\n" + s.substr(to);
  CHECK(diags(plain) ==
        std::vector<std::string>{
            "13:30 truncated-text 'identity' stops mid-sentence, after 'identity'"});
  CHECK(
      diags(replace(s, "  keeping it clean.\n", "  keeping [App] clean for [Role] and [App].\n")) ==
      std::vector<std::string>{"19:11 template-text 'identity' still has the template "
                               "placeholders '[App]' and '[Role]'"});
  CHECK(diags(replace(s, "  keeping it clean.\n", "  keeping [App] clean.\n")) ==
        std::vector<std::string>{"19:11 template-text 'identity' still has the template "
                                 "placeholder '[App]'"});
}
