// The validation cache (library/cache.h): the hash, the summaries that stand in for checked files,
// and the cache file's round trip, including what it must refuse.
#include "library/cache.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "library/fields.h"
#include "library/rules.h"
#include "support.h"

namespace persona {
namespace {
namespace fs = std::filesystem;

std::string hex16(const cache::Digest& d) {
  std::string out;
  char buf[3];
  for (std::uint64_t w : {d.lo, d.hi})
    for (int i = 0; i < 8; ++i) {
      std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>((w >> (8 * i)) & 0xff));
      out += buf;
    }
  return out;
}

using test::slurp;
using test::TempDir;

// A persona file with references in a list, in a nested mapping (not valid for the schema, which
// does not matter to the rules) and in a block text, one of them unresolved.
const char* kPersona =
    "pid: APP-101\n"
    "name: The Acme Builder\n"
    "app: acme\n"
    "goals:\n"
    "  - Ship faster\n"
    "  - Work with APP-102 daily\n"
    "  - Never mention APP-999 here\n"
    "identity: |-\n"
    "  First line.\n"
    "  Talks to APP-555 every week.\n"
    "extra:\n"
    "  nested:\n"
    "    - plain\n"
    "    - see APP-102\n";

std::vector<Diagnostic> rules_of(const std::vector<PersonaFile>& files) {
  auto ds = library_rules(files);
  sort_diagnostics(ds);
  return ds;
}

bool same(const std::vector<Diagnostic>& a, const std::vector<Diagnostic>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].code != b[i].code || a[i].file != b[i].file || a[i].line != b[i].line ||
        a[i].column != b[i].column || a[i].message != b[i].message || a[i].hint != b[i].hint)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("siphash128 gives the reference vectors") {
  const std::uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
  std::string msg;
  for (int i = 0; i < 64; ++i) msg += static_cast<char>(i);
  CHECK(hex16(cache::siphash128(msg.substr(0, 0), k0, k1)) == "a3817f04ba25a8e66df67214c7550293");
  CHECK(hex16(cache::siphash128(msg.substr(0, 15), k0, k1)) == "5493e99933b0a8117e08ec0f97cfc3d9");
  CHECK(hex16(cache::siphash128(msg.substr(0, 63), k0, k1)) == "5150d1772f50834a503e069a973fbd7c");
}

TEST_CASE("a summary gives the rules across files the same diagnostics as the full file") {
  auto schema = schema::Schema::builtin("persona");
  PersonaFile full = check_persona_text("personas/acme/acme-builder.yaml", kPersona, *schema, true);
  PersonaFile other =
      check_persona_text("personas/acme/acme-other.yaml",
                         "pid: APP-102\nname: The Acme Other\napp: acme\n", *schema, true);
  auto expected = rules_of({full, other});
  REQUIRE(expected.size() == 2);  // APP-999 and APP-555
  CHECK(expected[0].message == "'goals[3]' refers to 'APP-999', which no persona has");
  CHECK(expected[1].message == "'identity' refers to 'APP-555', which no persona has");

  PersonaFile copy = full;
  cache::FileSummary s = cache::summarize(copy);
  CHECK(s.diagnostics.size() == full.diagnostics.size());
  // The head is the pid entry alone, in a mapping like the file's root.
  REQUIRE(s.head);
  CHECK(s.head->is_mapping());
  REQUIRE(s.head->size() == 1);
  CHECK(s.head->key(0).value == "pid");
  CHECK(s.head->val(0).value == "APP-101");
  CHECK(s.head->val(0).mark.line == 1);
  CHECK(s.head->val(0).mark.column == 6);
  // Every mention of another pid, where it is, and what a message calls its place.
  std::vector<std::string> mentions;
  s.mentions.each([&](const Mentions::Item& m) {
    mentions.push_back(std::string(m.pid) + "@" + std::to_string(m.at.line) + ":" +
                       std::to_string(m.at.column) + " " + std::string(m.label));
  });
  CHECK(mentions == std::vector<std::string>{"APP-102@6:15 goals[2]", "APP-999@7:19 goals[3]",
                                             "APP-555@10:12 identity",
                                             "APP-102@14:11 extra.nested[2]"});
  CHECK(s.fields.size() == profile_fields().size());

  // A file standing in for the summary (its head as the root) gets the same diagnostics.
  PersonaFile other_copy = other;
  cache::FileSummary o = cache::summarize(other_copy);
  PersonaFile small, other_small;
  small.path = full.path;
  small.root = s.head;
  other_small.path = other.path;
  other_small.root = o.head;
  auto ds = library_rules({small, other_small}, {s.mentions, o.mentions});
  sort_diagnostics(ds);
  CHECK(same(ds, expected));
}

TEST_CASE("the cache file round-trips and refuses what does not match") {
  TempDir dir;
  auto schema = schema::Schema::builtin("persona");
  PersonaFile full = check_persona_text("personas/acme/acme-builder.yaml", kPersona, *schema, true);
  cache::FileSummary s = cache::summarize(full);

  auto c = cache::Cache::open(dir.path, "/library", "context");
  REQUIRE(c.enabled());
  cache::Digest d = c.hash(kPersona);
  Stamp stamp{4700, 1000000000, 1000000001, 42, 7};
  std::string entry = cache::Cache::encode("personas/acme/acme-builder.yaml", d, stamp, s);
  std::string before = cache::Cache::encode("personas/acme/aaa.yaml", d, {}, s);
  cache::RecordSummary r;
  r.now = "2026-01-01T00:00:00Z";
  r.record = Record{};
  r.record->pid = "APP-101";
  r.record->time = "2025-12-31T00:00:00Z";
  std::string rentry = cache::Cache::encode("contributions/APP-101/x.yaml", d, {}, r);
  // Saved out of order: a cache file's entries are sorted again when read.
  c.save({entry, before}, {rentry}, true);

  auto again = cache::Cache::open(dir.path, "/library", "context");
  CHECK(again.persona_entries() == 2);
  CHECK(again.hash(kPersona) == d);  // the key is kept in the file
  const cache::Cache::Entry* e = again.persona_entry("personas/acme/acme-builder.yaml");
  REQUIRE(e);
  CHECK(e->path == "personas/acme/acme-builder.yaml");
  CHECK(e->digest == d);
  CHECK(e->stamp == stamp);
  CHECK(e->bytes == entry);
  // The hint is where the entry likely is; a wrong one only costs a search.
  CHECK(again.persona_entry("personas/acme/acme-builder.yaml", 1) == e);
  CHECK(again.persona_entry("personas/acme/acme-builder.yaml", 7) == e);
  CHECK(again.persona_entry("personas/acme/aaa.yaml", 0)->stamp == Stamp{});
  CHECK_FALSE(again.persona_entry("personas/acme/else.yaml"));
  CHECK_FALSE(again.persona_entry("contributions/APP-101/x.yaml"));  // not a persona's
  auto back = cache::Cache::persona(*e);
  REQUIRE(back);
  REQUIRE(back->head);
  CHECK(back->head->key(0).value == "pid");
  CHECK(back->head->val(0).value == "APP-101");
  CHECK(back->head->val(0).mark.column == s.head->val(0).mark.column);
  CHECK(back->mentions.bytes() == s.mentions.bytes());
  CHECK(back->fields == s.fields);
  CHECK(back->diagnostics.size() == s.diagnostics.size());

  // Records: reused at the same or a later `now`, not when the clock went back.
  const cache::Cache::Entry* re = again.record_entry("contributions/APP-101/x.yaml");
  REQUIRE(re);
  CHECK(re->stamp.empty());
  CHECK(cache::Cache::record(*re, "2026-01-01T00:00:00Z"));
  CHECK(cache::Cache::record(*re, "2027-01-01T00:00:00Z")->record->pid == "APP-101");
  CHECK_FALSE(cache::Cache::record(*re, "2025-01-01T00:00:00Z"));

  // Another context (schema) or another library: nothing is reused.
  CHECK(cache::Cache::open(dir.path, "/library", "other schema").persona_entries() == 0);
  CHECK(cache::Cache::open(dir.path, "/elsewhere", "context").persona_entries() == 0);

  // A truncated file is an empty cache, not a crash or a wrong answer; so is one with bytes after
  // its last entry.
  fs::path file;
  for (const auto& f : fs::directory_iterator(dir.path)) file = f.path();
  std::string saved = slurp(file);
  fs::resize_file(file, saved.size() - 3);
  auto cut = cache::Cache::open(dir.path, "/library", "context");
  CHECK(cut.persona_entries() == 0);
  CHECK_FALSE(cut.persona_entry("personas/acme/acme-builder.yaml"));
  std::ofstream(file, std::ios::binary | std::ios::trunc) << saved << "x";
  CHECK(cache::Cache::open(dir.path, "/library", "context").persona_entries() == 0);
}

TEST_CASE("a damaged entry is refused, never trusted") {
  auto schema = schema::Schema::builtin("persona");
  PersonaFile full = check_persona_text("personas/acme/acme-builder.yaml",
                                        std::string(kPersona) + "name: again\n", *schema, true);
  REQUIRE_FALSE(full.diagnostics.empty());  // a duplicate key: the entry carries a diagnostic
  PersonaFile parsed =
      check_persona_text("personas/acme/acme-builder.yaml", kPersona, *schema, true);
  for (PersonaFile* f : {&full, &parsed}) {
    cache::FileSummary s = cache::summarize(*f);
    const std::string bytes = cache::Cache::encode(f->path, cache::Digest{1, 2}, Stamp{}, s);
    auto decode = [&](const std::string& b) {
      cache::Cache::Entry e;
      e.bytes = b;
      return cache::Cache::persona(e);
    };
    REQUIRE(decode(bytes));
    // Cut anywhere, or with a byte more, it is no entry.
    for (std::size_t n = 0; n < bytes.size(); ++n) CHECK_FALSE(decode(bytes.substr(0, n)));
    CHECK_FALSE(decode(bytes + '\0'));
    // Any byte changed: refused, or read as some other well-formed entry, but never a crash or a
    // read out of bounds (the sanitizer build runs this).
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (unsigned char flip : {0x01, 0x80, 0xff}) {
        std::string b = bytes;
        b[i] = static_cast<char>(b[i] ^ flip);
        auto got = decode(b);
        if (got && got->head) CHECK(got->head->size() <= 1);
      }
    }
  }

  // What a decoder checks beyond the lengths, each shown on a made entry.
  cache::FileSummary s;
  s.head = yaml::make_mapping();
  yaml::append(*s.head, "pid", yaml::make_plain("APP-1"));
  s.fields = {1, 2, 3};
  auto decode = [](const cache::FileSummary& x) {
    cache::Cache::Entry e;
    std::string b = cache::Cache::encode("p.yaml", cache::Digest{}, Stamp{}, x);
    e.bytes = b;
    return cache::Cache::persona(e).has_value();
  };
  CHECK(decode(s));
  cache::FileSummary other_key = s;
  other_key.head->children[0].value = "name";  // the head holds the pid entry, nothing else
  CHECK_FALSE(decode(other_key));
  cache::FileSummary not_mapping = s;
  not_mapping.head->kind = yaml::Kind::kSequence;
  CHECK_FALSE(decode(not_mapping));
  cache::FileSummary many_fields = s;
  many_fields.fields.assign(65, 0);
  CHECK_FALSE(decode(many_fields));
  cache::FileSummary no_head = s;
  no_head.head.reset();  // a file that did not parse
  CHECK(decode(no_head));
}

TEST_CASE("an unchanged file is known by its stamp and not read; a changed or recent one is read") {
  TempDir lib, dir;
  const fs::path fixture = fs::path(PERSONA_SOURCE_DIR) / "tests/golden/export/library";
  fs::copy(fixture, lib.path, fs::copy_options::recursive);
  LoadOptions o;
  o.keep_content = false;
  o.now = "2026-11-28T00:00:00Z";
  o.cache_dir = dir.path;
  o.stamp_clock_ns = now_ns() + 3600ull * 1000000000ull;  // every file is an hour old
  auto report = [](const Library& l) {
    std::string out;
    for (const auto& d : l.diagnostics)
      out += d.file + ":" + std::to_string(d.line) + " " + d.message + "\n";
    return out;
  };
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(lib.path))
    if (e.is_regular_file() && e.path().extension() == ".yaml" &&
        e.path().filename() != "library.yaml")
      ++files;
  REQUIRE(files >= 3);

  Library first = load_library(lib.path, o);
  CHECK(first.files_read == files);
  Library second = load_library(lib.path, o);
  CHECK(second.files_read == 0);
  CHECK(report(second) == report(first));
  CHECK(second.records.size() == first.records.size());

  // A changed file is read (its stamp differs) and its new content counts.
  fs::path changed = lib.path / first.files.front().path;
  std::string text = slurp(changed);
  {
    std::ofstream out(changed, std::ios::binary | std::ios::trunc);
    out << text << "unknown_field: x\n";
  }
  Library third = load_library(lib.path, o);
  CHECK(third.files_read == 1);
  CHECK(report(third) != report(first));
  CHECK(report(third).find("unknown_field") != std::string::npos);
  CHECK(load_library(lib.path, o).files_read == 0);

  // The same bytes with a new stamp (touched): read once, then known again.
  {
    std::ofstream out(changed, std::ios::binary | std::ios::trunc);
    out << text;
  }
  CHECK(load_library(lib.path, o).files_read == 1);
  fs::last_write_time(changed, fs::last_write_time(changed) - std::chrono::hours(2));
  Library touched = load_library(lib.path, o);
  CHECK(touched.files_read == 1);
  CHECK(report(touched) == report(first));
  CHECK(load_library(lib.path, o).files_read == 0);

  // By the real clock every file here was just written: none is trusted, all are read.
  o.stamp_clock_ns = 0;
  CHECK(load_library(lib.path, o).files_read == files);
}

TEST_CASE("the cache folder comes from the environment") {
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  CHECK(cache::default_dir(env({{"HOME", "/home/a"}})) == "/home/a/.cache/persona");
  CHECK(cache::default_dir(env({{"HOME", "/home/a"}, {"XDG_CACHE_HOME", "/x"}})) == "/x/persona");
  CHECK(cache::default_dir(env({{"XDG_CACHE_HOME", "relative"}, {"HOME", "/h"}})) ==
        "/h/.cache/persona");
  CHECK(cache::default_dir(env({{"PERSONA_CACHE_DIR", "/c"}, {"HOME", "/h"}})) == "/c");
  CHECK(cache::default_dir(env({{"PERSONA_CACHE", "off"}, {"HOME", "/h"}})).empty());
  CHECK(cache::default_dir(env({})).empty());
}

}  // namespace persona
