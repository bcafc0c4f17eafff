// Listing a library's persona files (library/library.h).
#include "library/library.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support.h"

namespace persona {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::touch;

}  // namespace

TEST_CASE("persona files are listed as the recursive directory iterator lists them") {
  TempDir tmp;
  fs::path root = tmp.path / "lib";
  fs::path p = root / "personas";
  touch(p / "stripe/a.yaml");
  touch(p / "stripe/b.yml");
  touch(p / "stripe/c.YAML");  // not a persona file: the extension is case-sensitive
  touch(p / "stripe/notes.txt");
  touch(p / "stripe/.hidden.yaml");  // a hidden file with the extension counts
  touch(p / "stripe/.yaml");         // a file named ".yaml" has no extension
  touch(p / "top.yaml");
  touch(p / ".git/x.yaml");
  fs::create_directories(p / "dir.yaml");  // a directory with the extension is entered, not listed
  touch(p / "dir.yaml/inner.yaml");
  touch(root / "elsewhere/linked.yaml");
  fs::create_symlink(root / "elsewhere/linked.yaml", p / "stripe/link.yaml");  // outside personas/
  fs::create_symlink(p / "stripe/a.yaml", p / "stripe/again.yaml");            // a second name
  fs::create_symlink(root / "elsewhere", p / "dirlink");                       // not followed
  fs::create_symlink(p / "missing.yaml", p / "dangling.yaml");
  REQUIRE(::mkfifo((p / "fifo.yaml").c_str(), 0600) == 0);  // not a regular file
  // Deep: directories are entered nine levels down, not ten.
  fs::path deep = p;
  for (int i = 1; i <= 11; ++i) {
    deep /= "d" + std::to_string(i);
    touch(deep / ("level" + std::to_string(i) + ".yaml"));
  }

  auto listed = list_persona_files(root);
  CHECK(listed == test::yaml_files_by_iterator(root, kPersonasDir, 8, false));
  // A symlinked file is listed where it leads: a.yaml twice (its own name and again.yaml).
  CHECK(std::count(listed.begin(), listed.end(), "personas/stripe/a.yaml") == 2);
  CHECK(std::count(listed.begin(), listed.end(), "elsewhere/linked.yaml") == 1);
  CHECK(std::find(listed.begin(), listed.end(), "personas/stripe/c.YAML") == listed.end());
  CHECK(std::find(listed.begin(), listed.end(), "personas/fifo.yaml") == listed.end());
  // a.yaml twice, b.yml, .hidden.yaml, top.yaml, .git/x.yaml, dir.yaml/inner.yaml, the linked
  // file and the nine levels: nothing else.
  CHECK(listed.size() == 17);

  CHECK(list_persona_files(tmp.path / "nothing").empty());
}

}  // namespace persona
