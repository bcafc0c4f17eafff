// What `contribute`, `history` and `check --base` read instead of the whole library: the blob
// listing and the pid cache, the lean load of one persona, fmt --check on a lean library, and
// files_added_under's raw tree reading. Each gives the same answer as the full read it replaces.
#include "library/partial_load.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "check/check.h"
#include "core/error.h"
#include "core/hash.h"
#include "git/history.h"
#include "git/repository.h"
#include "library/blob_cache.h"
#include "library/contribution.h"
#include "library/library.h"
#include "library/records.h"
#include "support.h"
#include "workflow/contribute.h"
#include "yaml/emit.h"

using namespace persona;
namespace fs = std::filesystem;

namespace {

const std::string kPath = "personas/segment/segment-data-architect.yaml";
const std::string kTime = "2026-11-28T17:30:00Z";

using test::TempDir;

std::string bundled(const std::string& rel) {
  return read_file(fs::path(PERSONA_SOURCE_DIR) / rel);
}

git::ObjectId commit(git::Repository& repo, const git::ObjectId& parent,
                     std::vector<git::FileWrite> files, const std::string& message,
                     std::int64_t time = 1764351000) {
  git::CommitRequest req;
  req.parent = parent;
  req.files = std::move(files);
  req.message = message;
  req.author = req.committer = git::Signature{"Ada Lovelace", "ada@example.org", time, 0};
  return repo.write_commit(req);
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

/// The bundled library copied to `dir` (working tree only).
void copy_bundled(const fs::path& dir) {
  fs::copy(fs::path(PERSONA_SOURCE_DIR) / "personas", dir / "personas",
           fs::copy_options::recursive);
  write(dir / "library.yaml", bundled("library.yaml"));
}

std::vector<std::string> paths_of(const std::vector<git::BlobEntry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.path);
  return out;
}

std::vector<std::string> texts(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    out.push_back(d.file + ":" + std::to_string(d.line) + ": " + d.code + " " + d.message);
  return out;
}

}  // namespace

TEST_CASE("list_blobs lists files as recursive list_tree calls would, and read_blob_id reads one") {
  TempDir d;
  git::Repository repo = git::Repository::init(d.path);
  git::ObjectId c = commit(repo, "",
                           {{"p/b.yaml", "b\n"},
                            {"p/a.yml", "a\n"},
                            {"p/a/z.yaml", "z\n"},   // directory 'a' sorts before 'a.yml'
                            {"p/a-b.yaml", "ab\n"},  // git itself orders 'a-b.yaml' before 'a/'
                            {"p/notes.txt", "n\n"},
                            {"p/1/2/deep.yaml", "deep\n"}},
                           "init");
  CHECK(paths_of(repo.list_blobs(c, "p", 8, {".yaml", ".yml"})) ==
        std::vector<std::string>{"p/1/2/deep.yaml", "p/a/z.yaml", "p/a-b.yaml", "p/a.yml",
                                 "p/b.yaml"});
  CHECK(paths_of(repo.list_blobs(c, "p", 1, {".yaml"})) ==
        std::vector<std::string>{"p/a/z.yaml", "p/a-b.yaml", "p/b.yaml"});
  CHECK(paths_of(repo.list_blobs(c, "p", 0)) ==
        std::vector<std::string>{"p/a-b.yaml", "p/a.yml", "p/b.yaml", "p/notes.txt"});
  CHECK(repo.list_blobs(c, "nowhere", 8).empty());
  CHECK(repo.list_blobs(c, "p/b.yaml", 8).empty());
  auto blobs = repo.list_blobs(c, "p", 0, {"b.yaml"});
  REQUIRE(blobs.size() == 2);
  CHECK(blobs[1].id == blob_id("b\n"));
  CHECK(repo.read_blob_id(blobs[1].id) == std::optional<std::string>("b\n"));
  CHECK_FALSE(repo.read_blob_id(blob_id("never written\n")));
}

TEST_CASE("the blob value cache keeps values across runs and ignores a damaged file") {
  TempDir d;
  fs::path dir = d.path / "cache";
  const std::string a = blob_id("a\n"), b = blob_id("b\n");
  {
    BlobValueCache c = BlobValueCache::open(dir, "scan-pid", d.path / "repo");
    CHECK(c.enabled());
    CHECK(c.find(a) == nullptr);
    c.put(a, "APP-100");
    c.put(b, "");
    c.put("not an id", "x");
    c.put(blob_id("c\n"), "two\nlines");
    c.save();
  }
  BlobValueCache again = BlobValueCache::open(dir, "scan-pid", d.path / "repo");
  REQUIRE(again.find(a) != nullptr);
  CHECK(*again.find(a) == "APP-100");
  REQUIRE(again.find(b) != nullptr);
  CHECK(again.find(b)->empty());
  CHECK(again.find(blob_id("c\n")) == nullptr);
  // Another kind or another repository has its own file.
  CHECK(BlobValueCache::open(dir, "yaml-pid", d.path / "repo").find(a) == nullptr);
  CHECK(BlobValueCache::open(dir, "scan-pid", d.path / "other").find(a) == nullptr);
  // A damaged file is an empty cache.
  REQUIRE(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  fs::path file = fs::directory_iterator(dir)->path();
  std::string bytes = read_file(file);
  write(file, bytes.substr(0, bytes.size() - 3));
  CHECK(BlobValueCache::open(dir, "scan-pid", d.path / "repo").find(a) == nullptr);
  // Disabled: nothing found, nothing written.
  BlobValueCache off = BlobValueCache::open("", "scan-pid", d.path / "repo");
  CHECK_FALSE(off.enabled());
  off.put(a, "APP-1");
  CHECK(off.find(a) == nullptr);
}

TEST_CASE(
    "contribute finds the persona at the base the same way with the pid cache, cold or warm") {
  TempDir d;
  git::Repository repo = git::Repository::init(d.path / "repo");
  std::string second = bundled(kPath);
  // A second file declaring the same pid, listed after the first: the first one is used.
  git::ObjectId base = commit(repo, "",
                              {{"library.yaml", bundled("library.yaml")},
                               {kPath, bundled(kPath)},
                               {"personas/zz/copy.yaml", second}},
                              "init");
  repo.create_branch("main", base, "init");
  ContributeOptions o;
  o.library_root = d.path / "repo";
  o.request.pid = "APP-153";
  o.request.kind = "confirm";
  o.request.field = "goals[2]";
  o.request.author = "Ada Lovelace";
  o.persona_schema = schema::Schema::builtin("persona");
  o.now = kTime;
  o.getenv = [](const char*) -> const char* { return nullptr; };
  o.dry_run = true;

  ContributeResult plain = contribute(o);
  REQUIRE(plain.contribution.ok());
  o.cache_dir = d.path / "cache";
  for (int run = 0; run < 2; ++run) {  // cold, then warm
    ContributeResult r = contribute(o);
    REQUIRE(r.contribution.ok());
    CHECK(r.contribution.persona_path == kPath);
    CHECK(r.contribution.record_text == plain.contribution.record_text);
    CHECK(r.branch == plain.branch);
    CHECK(describe_result(r, true) == describe_result(plain, true));
  }
  o.request.pid = "APP-15";
  ContributeResult unknown = contribute(o);
  REQUIRE(unknown.contribution.problems.size() == 1);
  CHECK(unknown.contribution.problems[0].message ==
        "unknown persona 'APP-15' at the base commit '" + base.substr(0, 12) + "'");
  CHECK(unknown.contribution.problems[0].hint == "did you mean 'APP-153'?");
}

TEST_CASE("load_one_persona gives the persona and records the full load gives, or nothing") {
  TempDir d;
  copy_bundled(d.path);
  LoadOptions lo;
  lo.now = "2026-11-28T00:00:00Z";
  // Two records for APP-153 (one valid, one edited) and one for another persona.
  auto record_for = [&](const std::string& pid, const std::string& time) {
    Record r;
    r.pid = pid;
    r.kind = "comment";
    r.text = "A comment.";
    r.author = "Ada Lovelace";
    r.time = time;
    r.id = record_id(r);
    r.file = record_path(r);
    return r;
  };
  Record r1 = record_for("APP-153", "2026-11-01T00:00:00Z");
  write(d.path / r1.file, yaml::emit(record_tree(r1)));
  Record r2 = record_for("APP-153", "2026-11-02T00:00:00Z");
  write(d.path / r2.file, yaml::emit(record_tree(r2)) + "# edited\nnote: changed\n");
  Library full = load_library(d.path, lo);
  REQUIRE(full.find("APP-153") != nullptr);

  for (fs::path cache : {fs::path(), d.path / "cache", d.path / "cache"}) {
    LoadOptions with = lo;
    with.cache_dir = cache;
    auto one = load_one_persona(d.path, with, "APP-153");
    REQUIRE(one);
    REQUIRE(one->personas.size() == 1);
    const Persona& p = one->personas.front();
    const Persona& q = *full.find("APP-153");
    CHECK(p.file == q.file);
    CHECK(p.name == q.name);
    CHECK(p.text == q.text);
    CHECK(p.lists == q.lists);
    CHECK(p.version == q.version);
    std::vector<std::string> want, got;
    for (const auto& r : full.records)
      if (r.pid == "APP-153") want.push_back(r.file);
    for (const auto& r : one->records) got.push_back(r.file);
    CHECK(got == want);
    REQUIRE(one->record_files.size() == 1);
    CHECK(one->record_files[0].text == read_file(d.path / r1.file));
    CHECK(one->root == d.path);
  }
  CHECK_FALSE(load_one_persona(d.path, lo, "APP-999"));

  // A persona whose file is fine on its own but refers to a pid no persona has: not valid in
  // the library, so not found, as Library::find says.
  std::string text = read_file(d.path / kPath);
  auto at = text.find("APP-116");
  REQUIRE(at != std::string::npos);
  text.replace(at, 7, "APP-998");
  write(d.path / kPath, text);
  CHECK(load_library(d.path, lo).find("APP-153") == nullptr);
  CHECK_FALSE(load_one_persona(d.path, lo, "APP-153"));
}

TEST_CASE("fmt --check reads the texts again on a lean library, with the same diagnostics") {
  TempDir d;
  copy_bundled(d.path);
  std::string text = read_file(d.path / kPath);
  write(d.path / kPath, text + "\n\n");  // not canonical: trailing blank lines
  auto schema = schema::Schema::builtin("persona");
  LoadOptions lo;
  Library full = load_library(d.path, lo);
  lo.keep_content = false;
  Library lean = load_library(d.path, lo);
  for (bool all : {false, true}) {
    auto want = check::format_check(full, {kPath}, all, *schema);
    CHECK_FALSE(want.empty());
    CHECK(texts(check::format_check(lean, {kPath}, all, *schema)) == texts(want));
  }
}

TEST_CASE("files_added_under reads nested directories, and a file where a directory is expected") {
  TempDir d;
  git::Repository repo = git::Repository::init(d.path);
  git::ObjectId c0 = commit(repo, "", {{"lib/library.yaml", "x\n"}}, "init", 1000000000);
  git::ObjectId c1 =
      commit(repo, c0, {{"lib/contributions/APP-1/a.yaml", "a\n"}}, "add a", 1000000100);
  git::ObjectId c2 =
      commit(repo, c1, {{"lib/contributions/APP-10/x.yaml", "x\n"}}, "other", 1000000200);
  git::ObjectId c3 =
      commit(repo, c2, {{"lib/contributions/APP-1/b.yaml", "b\n"}}, "add b", 1000000300);
  auto found = repo.files_added_under(c3, "lib/contributions/APP-1");
  REQUIRE(found.size() == 2);
  CHECK(found[0].path == "lib/contributions/APP-1/a.yaml");
  CHECK(found[0].commit == c1);
  CHECK(found[1].path == "lib/contributions/APP-1/b.yaml");
  CHECK(found[1].commit == c3);
  CHECK(repo.files_added_under(c3, "lib/library.yaml/APP-1").empty());
  CHECK(repo.files_added_under(c3, "lib/contributions/APP-1/a.yaml").empty());
}
