// Tests of src/render/stream.{h,cpp} and src/render/sha1.{h,cpp}: the website made one persona at
// a time is the website made from the fully loaded library, byte for byte, first and after a
// change; and the SHA-1 fed in pieces gives git's blob ids.
#include "render/stream.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "core/error.h"
#include "core/hash.h"
#include "core/posix.h"
#include "library/library.h"
#include "render/export.h"
#include "render/html.h"
#include "render/templates.h"
#include "support.h"

using namespace persona;
using namespace persona::render;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = PERSONA_SOURCE_DIR;
const fs::path kFixture = kSource / "tests/golden/export/library";
const fs::path kGolden = kSource / "tests/golden/export/expected/html";

using test::slurp;

/// The site's files under `dir`: every file but the export's own bookkeeping.
FileSet read_tree(const fs::path& dir) {
  FileSet out = test::read_tree(dir);
  out.erase(kManifestFile);
  out.erase(kStateFile);
  return out;
}

using test::TempDir;

/// A copy of the fixture library in `tmp`, to change.
fs::path copy_fixture(const TempDir& tmp) {
  fs::path lib = tmp.path / "lib";
  fs::copy(kFixture, lib, fs::copy_options::recursive);
  return lib;
}

const TemplateSet& builtin_templates() {
  static const TemplateLoad load = load_templates(std::nullopt);
  return load.templates;
}

LoadOptions options(bool keep_content) {
  LoadOptions o;
  o.now = "2026-11-28T00:00:00Z";
  o.jobs = 2;
  o.keep_content = keep_content;
  return o;
}

/// The site as add_html_site makes it from the fully loaded library.
FileSet full_site(const fs::path& root, const std::string& base_url = {}) {
  Library lib = load_library(root, options(true));
  RenderContext ctx(lib, base_url);
  return build_export(ctx, {"html"}, &builtin_templates());
}

/// The site made one persona at a time, collected in memory.
FileSet streamed_site(const fs::path& root, const std::string& base_url = {}) {
  Library lean = load_library(root, options(false));
  StreamOptions so;
  so.root = root;
  so.base_url = base_url;
  so.jobs = 2;
  FileSetSink sink;
  stream_html_site(lean, builtin_templates(), so, sink);
  return std::move(sink.files);
}

/// An export into `out` made one persona at a time, as `persona export --format html` does.
/// With `clock`, persona files' stamps are judged by it (StreamOptions::stamp_clock_ns).
WriteReport streamed_export(const fs::path& root, const fs::path& out, std::uint64_t clock = 0) {
  Library lean = load_library(root, options(false));
  StreamOptions so;
  so.root = root;
  so.jobs = 2;
  so.stamp_clock_ns = clock;
  Disk disk;
  return write_export(out, disk,
                      [&](Sink& sink) { stream_html_site(lean, builtin_templates(), so, sink); });
}

void replace_in(const fs::path& p, const std::string& from, const std::string& to) {
  std::string text = slurp(p);
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("blob ids fed in pieces are git's") {
  // As `git hash-object --stdin` prints them.
  CHECK(blob_id("") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  CHECK(blob_id("hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a");
  std::mt19937 rng(7);
  for (std::size_t n : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 100000}) {
    std::string data(n, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    Sha1 h = blob_hasher(n);
    for (std::size_t at = 0; at < n; at += 37) h.update(std::string_view(data).substr(at, 37));
    CHECK(h.hex() == blob_id(data));
  }
}

TEST_CASE("the streamed site is the site of the fully loaded library") {
  FileSet streamed = streamed_site(kFixture);
  CHECK(streamed == full_site(kFixture));
  CHECK(streamed == read_tree(kGolden));
  // With a base URL: canonical links and a sitemap.
  CHECK(streamed_site(kFixture, "https://example.org/p/") ==
        full_site(kFixture, "https://example.org/p/"));
}

TEST_CASE("a streamed re-export after a change is a fresh export, and rewrites only what changed") {
  TempDir tmp;
  fs::path lib = copy_fixture(tmp);
  fs::path site = tmp.path / "site";
  WriteReport first = streamed_export(lib, site);
  CHECK(first.unchanged == 0);
  WriteReport again = streamed_export(lib, site);
  CHECK(again.written == 0);
  CHECK(again.unchanged == first.written);

  // A field no card shows: the persona's page and the search index.
  fs::path stripe = lib / "personas/stripe/stripe-platform-builder.yaml";
  replace_in(stripe, "freelance photographers.", "freelance videographers.");
  WriteReport changed = streamed_export(lib, site);
  CHECK(changed.written == 2);
  CHECK(read_tree(site) == full_site(lib));

  // A name: every page that shows it (its own, the lists, the pages that mention it).
  replace_in(stripe, "name: The Stripe Platform Builder", "name: The Stripe Platform Architect");
  streamed_export(lib, site);
  CHECK(read_tree(site) == full_site(lib));

  // What pages show of the library besides the personas: its settings, and a record moved to
  // another persona (every key kept from the last export would be stale).
  replace_in(lib / "library.yaml", "name: Persona Library", "name: Persona Atlas");
  streamed_export(lib, site);
  CHECK(read_tree(site) == full_site(lib));
  fs::path records = lib / "contributions";
  fs::path one = *fs::directory_iterator(records / "APP-153");
  fs::create_directories(records / "APP-200");
  fs::rename(one, records / "APP-200" / one.filename());
  {
    std::string text = slurp(records / "APP-200" / one.filename());
    for (std::size_t at; (at = text.find("APP-153")) != std::string::npos;)
      text.replace(at, 7, "APP-200");
    std::ofstream(records / "APP-200" / one.filename(), std::ios::binary | std::ios::trunc) << text;
  }
  WriteReport moved = streamed_export(lib, site);
  CHECK(moved.written > 0);
  CHECK(read_tree(site) == full_site(lib));

  // A persona removed, and the mentions of it with it.
  fs::remove(stripe);
  fs::path segment = lib / "personas/segment/segment-data-architect.yaml";
  std::string text = slurp(segment);
  for (std::size_t at; (at = text.find("APP-116")) != std::string::npos;)
    text.replace(at, 7, "Stripe");
  std::ofstream(segment, std::ios::binary | std::ios::trunc) << text;
  streamed_export(lib, site);
  CHECK(read_tree(site) == full_site(lib));
}

namespace {

/// The persona file of `copy` of APP-116 (pid APP-<1000 + copy>) in `lib`.
fs::path copy_path(const fs::path& lib, int copy) {
  return lib / ("personas/stripe/stripe-copy-" + std::to_string(copy) + ".yaml");
}

/// Adds copies 0..n-1 of APP-116 to `lib`, each with its own pid and name.
void add_copies(const fs::path& lib, int n) {
  const std::string pid = "pid: APP-116\n", name = "name: The Stripe Platform Builder\n";
  std::string text = slurp(lib / "personas/stripe/stripe-platform-builder.yaml");
  REQUIRE(text.find(pid + name) != std::string::npos);
  for (int i = 0; i < n; ++i) {
    std::string copy = text;
    copy.replace(copy.find(pid + name), pid.size() + name.size(),
                 "pid: APP-" + std::to_string(1000 + i) + "\nname: The Stripe Copy " +
                     std::to_string(i) + "\n");
    std::ofstream(copy_path(lib, i), std::ios::binary | std::ios::trunc) << copy;
  }
}

std::uint64_t inode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<std::uint64_t>(st.st_ino);
}

}  // namespace

TEST_CASE("a streamed re-export rewrites only the search shard that changed") {
  TempDir tmp;
  fs::path lib = copy_fixture(tmp);
  add_copies(lib, 197);  // 201 personas: two shards
  REQUIRE(load_library(lib, options(true)).personas.size() == 201);
  fs::path site = tmp.path / "site";
  streamed_export(lib, site);
  CHECK(read_tree(site) == full_site(lib));
  REQUIRE(search_shard_count(201) == 2);
  const std::size_t mine = search_shard_of("APP-116", 2), other = 1 - mine;
  const fs::path other_shard = site / search_shard_path(other),
                 my_shard = site / search_shard_path(mine);
  std::uint64_t other_inode = inode_of(other_shard);

  // A field no card shows: the persona's page and its shard; the other shard is left alone.
  fs::path stripe = lib / "personas/stripe/stripe-platform-builder.yaml";
  replace_in(stripe, "freelance photographers.", "freelance videographers.");
  CHECK(streamed_export(lib, site).written == 2);
  CHECK(read_tree(site) == full_site(lib));
  CHECK(inode_of(other_shard) == other_inode);

  // A shard that is not the one the export wrote (here cut short) is made again from its personas.
  std::string whole = slurp(my_shard);
  std::ofstream(my_shard, std::ios::binary | std::ios::trunc) << whole.substr(0, whole.size() / 2);
  CHECK(streamed_export(lib, site).written == 1);
  CHECK(slurp(my_shard) == whole);
  // The same size, other bytes: the stat tells.
  std::string garbled = whole;
  garbled[garbled.size() / 2] = '#';
  std::ofstream(my_shard, std::ios::binary | std::ios::trunc) << garbled;
  CHECK(streamed_export(lib, site).written == 1);
  CHECK(slurp(my_shard) == whole);

  // One persona fewer: one shard, with the other one's entries.
  fs::remove(copy_path(lib, 0));
  REQUIRE(search_shard_count(200) == 1);
  streamed_export(lib, site);
  CHECK(read_tree(site) == full_site(lib));
  CHECK(!fs::exists(site / search_shard_path(1)));
  // And two again.
  add_copies(lib, 1);
  streamed_export(lib, site);
  CHECK(read_tree(site) == full_site(lib));
}

namespace {

/// The fields the state records for `file` after its path: blob id, size, mtime, ctime, inode.
std::vector<std::string> state_fields(const fs::path& site, const std::string& file) {
  std::string state = slurp(site / kStateFile);
  std::string tag = std::to_string(file.size()) + ":" + file;
  auto at = state.find(tag);
  REQUIRE(at != std::string::npos);
  at += tag.size();
  std::vector<std::string> out;
  for (int i = 0; i < 5; ++i) {
    auto colon = state.find(':', at);
    std::size_t n = std::stoul(state.substr(at, colon - at));
    out.push_back(state.substr(colon + 1, n));
    at = colon + 1 + n;
  }
  return out;
}

}  // namespace

TEST_CASE("a persona file whose stat did not change is not read again; any change is seen") {
  TempDir tmp;
  fs::path lib = copy_fixture(tmp);
  std::string rel = "personas/stripe/stripe-platform-builder.yaml";
  fs::path stripe = lib / rel;
  // A file changed less than two seconds before it is read is not trusted by its stamp next time.
  struct timespec future[2] = {{0, UTIME_OMIT}, {std::time(nullptr) + 3600, 0}};
  REQUIRE(::utimensat(AT_FDCWD, stripe.c_str(), future, 0) == 0);
  fs::path site = tmp.path / "site";
  streamed_export(lib, site);
  CHECK(state_fields(site, rel)[1] == "0");

  // Settled files are recorded with their stamp (by a clock an hour on: every file is settled).
  struct timespec past[2] = {{0, UTIME_OMIT}, {1700000000, 5}};
  REQUIRE(::utimensat(AT_FDCWD, stripe.c_str(), past, 0) == 0);
  const std::uint64_t later = now_ns() + 3600ull * 1000000000ull;
  CHECK(streamed_export(lib, site, later).written == 0);
  auto fields = state_fields(site, rel);
  CHECK(fields[1] == std::to_string(fs::file_size(stripe)));
  CHECK(fields[2] == "1700000000000000005");
  CHECK(fields[4] != "0");
  FileSet before = read_tree(site);
  CHECK(streamed_export(lib, site, later).written == 0);
  CHECK(read_tree(site) == before);

  // The same size and mtime, other bytes: the inode's ctime tells.
  replace_in(stripe, "freelance photographers.", "freelance videographers.");
  REQUIRE(::utimensat(AT_FDCWD, stripe.c_str(), past, 0) == 0);
  CHECK(std::to_string(fs::file_size(stripe)) == fields[1]);
  CHECK(streamed_export(lib, site, later).written == 2);
  CHECK(read_tree(site) == full_site(lib));
}

TEST_CASE("a damaged or mismatched state is not used: the site is made again whole") {
  TempDir tmp;
  fs::path site = tmp.path / "site";
  streamed_export(kFixture, site);
  std::string state = slurp(site / kStateFile);
  // The same length, so the state still decodes: only its hash in the manifest tells.
  auto at = state.find("The Stripe Platform Builder");
  REQUIRE(at != std::string::npos);
  std::string damaged = state;
  damaged[at + 26] = 'x';
  std::ofstream(site / kStateFile, std::ios::binary | std::ios::trunc) << damaged;
  WriteReport r = streamed_export(kFixture, site);
  CHECK(r.written == 0);
  CHECK(read_tree(site) == read_tree(kGolden));
  CHECK(slurp(site / kStateFile) == state);

  // A state from another export beside this manifest, and none at all.
  std::ofstream(site / kStateFile, std::ios::binary | std::ios::trunc)
      << state.substr(0, state.size() / 2);
  streamed_export(kFixture, site);
  CHECK(read_tree(site) == read_tree(kGolden));
  fs::remove(site / kStateFile);
  streamed_export(kFixture, site);
  CHECK(read_tree(site) == read_tree(kGolden));
  CHECK(slurp(site / kStateFile) == state);

  // A manifest cut short.
  std::string manifest = slurp(site / kManifestFile);
  std::ofstream(site / kManifestFile, std::ios::binary | std::ios::trunc)
      << manifest.substr(0, manifest.size() / 2);
  r = streamed_export(kFixture, site);
  CHECK(r.written == 0);
  CHECK(read_tree(site) == read_tree(kGolden));
  CHECK(slurp(site / kManifestFile).size() == manifest.size());
}

namespace {

/// Fails its n-th write, as a full disk would.
class FailingDisk : public Disk {
 public:
  explicit FailingDisk(int fail_at) : left_(fail_at) {}
  Written write(const fs::path& path, bool beside,
                const std::function<void(const Piece&)>& fill) override {
    if (--left_ == 0)
      throw io_error("cannot write " + path.filename().string() + ": No space left on device");
    return Disk::write(path, beside, fill);
  }

 private:
  int left_;
};

}  // namespace

TEST_CASE("an interrupted streamed re-export leaves whole files, and the next one completes it") {
  TempDir tmp;
  fs::path lib = copy_fixture(tmp);
  fs::path site = tmp.path / "site";
  streamed_export(lib, site);
  FileSet before = read_tree(site);
  std::string manifest = slurp(site / kManifestFile);
  // A name: its page, the pages that mention it, the lists and the search index change.
  replace_in(lib / "personas/stripe/stripe-platform-builder.yaml",
             "name: The Stripe Platform Builder", "name: The Stripe Platform Architect");
  FileSet after = full_site(lib);
  fs::path pristine = tmp.path / "pristine";
  fs::copy(site, pristine, fs::copy_options::recursive);
  for (int fail_at : {1, 2, 4}) {
    INFO("failing write " << fail_at);
    // From the previous export each time (a copy: no file is the one the manifest describes).
    fs::remove_all(site);
    fs::copy(pristine, site, fs::copy_options::recursive);
    Library lean = load_library(lib, options(false));
    StreamOptions so;
    so.root = lib;
    so.jobs = 2;
    FailingDisk failing(fail_at);
    CHECK_THROWS_AS(
        write_export(site, failing,
                     [&](Sink& sink) { stream_html_site(lean, builtin_templates(), so, sink); }),
        Error);
    FileSet now = read_tree(site);
    CHECK(now.size() == before.size());
    for (const auto& [path, data] : now) {
      INFO(path);
      CHECK((data == before.at(path) || data == after.at(path)));
    }
    CHECK(slurp(site / kManifestFile) == manifest);
    for (const auto& e : fs::recursive_directory_iterator(site))
      CHECK(e.path().filename().string().find(".persona-tmp-") == std::string::npos);
  }
  streamed_export(lib, site);
  CHECK(read_tree(site) == after);
}

TEST_CASE("one export at a time into a directory") {
  TempDir tmp;
  fs::path site = tmp.path / "site";
  streamed_export(kFixture, site);
  int fd = ::open(site.c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  CHECK_THROWS_WITH_AS(
      streamed_export(kFixture, site),
      ("cannot export to '" + site.string() + "': another export is writing to it").c_str(), Error);
  ::close(fd);
  CHECK(streamed_export(kFixture, site).written == 0);
}
