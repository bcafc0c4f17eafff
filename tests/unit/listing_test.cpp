// Listing a library's files with their stamps (library/listing.h).
#include "library/listing.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "library/library.h"
#include "library/records.h"
#include "support.h"

namespace persona {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::touch;

}  // namespace

TEST_CASE("a listing is sorted however its folders' names compare with its files'") {
  TempDir tmp;
  fs::path p = tmp.path / "personas";
  // '-' and '.' sort before '/', so "a-b/..." and "a.yaml" come before "a/...".
  for (const char* f : {"a/x.yaml", "a-b/y.yaml", "a.yaml", "a.b/z.yaml", "ab/w.yaml", "a0.yaml",
                        "a/b/c.yaml", "a/b.yaml", "a/b-c/d.yaml", "A/e.yaml", "_/f.yaml"})
    touch(p / f);
  fs::create_symlink(p / "a0.yaml", p / "a/link.yaml");  // listed where it leads
  auto listed = list_personas(tmp.path).paths;
  CHECK(std::is_sorted(listed.begin(), listed.end()));
  CHECK(listed == list_persona_files(tmp.path));
  CHECK(listed.size() == 12);
  CHECK(std::count(listed.begin(), listed.end(), "personas/a0.yaml") == 2);
}

TEST_CASE("a listing's stamps are the files' own, each with its path") {
  TempDir tmp;
  fs::path p = tmp.path / "personas";
  touch(p / "acme/one.yaml");
  touch(p / "acme/two.yaml");
  touch(p / "top.yaml");
  touch(tmp.path / "elsewhere/linked.yaml");
  fs::create_symlink(tmp.path / "elsewhere/linked.yaml", p / "acme/link.yaml");
  const std::uint64_t later = now_ns() + 3600ull * 1000000000ull;  // every file an hour old
  Listing l = list_personas(tmp.path, ListOptions{true, later, 2});
  REQUIRE(l.paths.size() == 4);
  REQUIRE(l.stamps.size() == 4);
  for (std::size_t i = 0; i < l.paths.size(); ++i) {
    CAPTURE(l.paths[i]);
    CHECK_FALSE(l.stamps[i].empty());
    CHECK(l.stamps[i] == stamp_of(tmp.path / l.paths[i], later));
  }
  // By the real clock the files are too recent to trust: empty stamps, as stamp_of() gives.
  Listing now = list_personas(tmp.path, ListOptions{true, now_ns(), 0});
  for (const auto& s : now.stamps) CHECK(s.empty());
  // Without stamping, none.
  CHECK(list_personas(tmp.path).stamps.empty());
}

TEST_CASE("record files are listed as the recursive directory iterator lists them") {
  TempDir tmp;
  fs::path root = tmp.path / "lib";
  fs::path c = root / "contributions";
  touch(c / "APP-1/20260101T000000Z-aaaaaaaaaaaa.yaml");
  touch(c / "APP-1/20260102T000000Z-bbbbbbbbbbbb.yml");
  touch(c / "APP-1/notes.txt");
  touch(c / "APP-10/x.yaml");
  touch(c / "APP-1-b/y.yaml");
  touch(c / "loose.yaml");
  touch(c / "APP-2/deeper/still/z.yaml");        // three folders down: listed
  touch(c / "APP-2/deeper/still/more/no.yaml");  // four: not
  touch(root / "elsewhere/r.yaml");
  fs::create_symlink(root / "elsewhere/r.yaml", c / "APP-2/link.yaml");
  fs::create_symlink(root / "elsewhere", c / "dirlink");  // not followed

  auto listed = list_record_files(root);
  CHECK(listed == test::yaml_files_by_iterator(root, kRecordsDir, 2, true));
  CHECK(listed.size() == 7);
  CHECK(std::find(listed.begin(), listed.end(), "elsewhere/r.yaml") != listed.end());
  const std::uint64_t later = now_ns() + 3600ull * 1000000000ull;
  Listing l = list_records(root, ListOptions{true, later, 0});
  CHECK(l.paths == listed);
  REQUIRE(l.stamps.size() == l.paths.size());
  for (std::size_t i = 0; i < l.paths.size(); ++i)
    CHECK(l.stamps[i] == stamp_of(root / l.paths[i], later));

  // contributions/ itself a symlink: every path is where it leads, as before.
  TempDir other;
  fs::path real = other.path / "real-contributions";
  touch(real / "APP-3/r.yaml");
  fs::path root2 = other.path / "lib2";
  fs::create_directories(root2);
  fs::create_symlink(real, root2 / "contributions");
  auto linked = list_record_files(root2);
  CHECK(linked == test::yaml_files_by_iterator(root2, kRecordsDir, 2, true));
  REQUIRE(linked.size() == 1);
  CHECK(linked[0] == "../real-contributions/APP-3/r.yaml");
  Listing ll = list_records(root2, ListOptions{true, later, 0});
  REQUIRE(ll.stamps.size() == 1);
  CHECK(ll.stamps[0] == stamp_of(root2 / linked[0], later));

  CHECK(list_record_files(tmp.path / "nothing").empty());
}

}  // namespace persona
