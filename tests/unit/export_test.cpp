// Tests of the export (src/render/export*.cpp, formats.cpp): the writer and its manifest, the
// JSON schema of the export, and the golden files of each format (UPDATE_GOLDEN=1 rewrites them
// from the library in tests/golden/export/library; review the diff before committing it).
#include "render/export.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>

#include "core/error.h"
#include "core/hash.h"
#include "library/library.h"
#include "render/commonmark.h"
#include "render/escape.h"
#include "render/formats.h"
#include "render/html.h"
#include "render/json.h"
#include "render/links.h"
#include "render/markdown.h"
#include "render/templates.h"
#include "render_support.h"
#include "schema/schema.h"
#include "support.h"
#include "yaml/tree.h"

using namespace persona;
using namespace persona::render;
using namespace persona::test;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// JSON export and its schema

namespace {

std::vector<Diagnostic> validate_export_json(const std::string& text, const std::string& file) {
  yaml::Limits limits;
  limits.max_file_bytes = 64 << 20;
  limits.max_scalar_bytes = 1 << 20;
  limits.max_nodes = 10000000;
  // JSON is YAML: the project's reader gives the tree the schema module validates.
  auto parsed = yaml::parse(text, file, limits);
  if (!parsed.root) return parsed.diagnostics;
  auto doc = schema::to_json(*parsed.root);
  CHECK(doc == nlohmann::json::parse(text));
  return schema::Schema::builtin("export")->validate(*parsed.root, doc, file);
}

}  // namespace

TEST_CASE("export: every JSON file validates against schema/export.schema.json") {
  for (const Library* lib : {&fixture()}) {
    RenderContext ctx(*lib);
    FileSet files = build_export(ctx, {"json"}, nullptr);
    CHECK(files.size() == lib->personas.size() + 1);
    for (const auto& [path, text] : files) {
      auto d = validate_export_json(text, path);
      CHECK_MESSAGE(d.empty(), path << ": " << (d.empty() ? "" : d[0].message));
    }
  }
  // The bundled library too.
  LoadOptions o;
  o.jobs = 1;
  Library bundled = load_library(kSource, o);
  RenderContext ctx(bundled);
  auto d = validate_export_json(library_document(ctx), "library.json");
  CHECK(d.empty());
}

TEST_CASE("export: the schema rejects what the export never writes") {
  RenderContext ctx(fixture());
  auto doc = nlohmann::json::parse(persona_document(ctx, *fixture().find("APP-153")));
  CHECK(validate_export_json(doc.dump(), "ok.json").empty());
  auto bad = doc;
  bad["persona"]["community"]["fields"]["identity"]["confirmations"] = -1;
  CHECK_FALSE(validate_export_json(bad.dump(), "bad.json").empty());
  bad = doc;
  bad["persona"]["fields"].erase("jtbd");
  CHECK_FALSE(validate_export_json(bad.dump(), "bad.json").empty());
  bad = doc;
  bad["kind"] = "library";
  CHECK_FALSE(validate_export_json(bad.dump(), "bad.json").empty());
  bad = doc;
  bad["persona"]["community"]["last_activity"] = "yesterday";
  CHECK_FALSE(validate_export_json(bad.dump(), "bad.json").empty());
}

TEST_CASE("export: community figures in JSON") {
  RenderContext ctx(fixture());
  auto j = nlohmann::json::parse(persona_document(ctx, *fixture().find("APP-153")));
  const auto& c = j["persona"]["community"];
  CHECK(c["contributions"] == 8);
  CHECK(c["contributors"] == 7);
  CHECK(c["last_activity"] == "2026-11-03T11:11:00Z");
  CHECK(c["fields"]["identity"]["confirmations"] == 2);
  CHECK(c["fields"]["scenario"]["earlier_confirmations"] == 1);
  CHECK(c["fields"]["scenario"]["corrections"] == 1);
  CHECK(c["fields"]["goals"]["extensions"] == 1);
  CHECK(c["fields"]["worldview"]["last_activity"].is_null());
  CHECK(c["comments"].size() == 3);
  CHECK(c["comments"][0]["field"].is_null());
  CHECK(c["comments"][2]["field"] == "frustrations[1]");
}

// ---------------------------------------------------------------------------------------------
// The writer: atomic, incremental, deterministic, contained

TEST_CASE("export: builds are deterministic") {
  RenderContext a(fixture()), b(fixture());
  auto all = format_names();
  CHECK(build_export(a, all, &builtin_templates()) == build_export(b, all, &builtin_templates()));
}

namespace {

/// The names in `dir`, not recursing.
std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

/// Every path under `dir` (files, directories, links), recursing.
std::set<std::string> paths_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.insert(fs::relative(e.path(), dir).generic_string());
  return out;
}

/// The content files of an export: its tree without the manifest.
FileSet content_of(const fs::path& dir) {
  FileSet t = read_tree(dir);
  t.erase(kManifestFile);
  return t;
}

ino_t inode(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_ino;
}

/// Sends `files`, each with its own key ("k-" and its bytes), asking reuse() first; `made`
/// collects the paths that had to be made.
WriteReport export_keyed(const FileSet& files, const fs::path& out, Disk& disk,
                         std::vector<std::string>* made = nullptr) {
  return write_export(out, disk, [&](Sink& sink) {
    for (const auto& [path, data] : files) {
      std::string key = "k-" + data;
      if (sink.reuse(path, key)) continue;
      if (made) made->push_back(path);
      sink.file(path, data, key);
    }
  });
}

/// Exports `files` into `out` again, checking that every file was kept as it was and none made.
void check_all_kept(const FileSet& files, const fs::path& out, Disk& disk) {
  std::vector<std::string> made;
  WriteReport r = export_keyed(files, out, disk, &made);
  CHECK(made.empty());
  CHECK(r.unchanged == files.size());
}

/// A disk that checks, at every rename, that the file it replaces is still whole: a reader
/// sees the old bytes or the new ones, never a file being written.
class WatchingDisk : public Disk {
 public:
  explicit WatchingDisk(FileSet old) : old_(std::move(old)) {}
  void rename(const fs::path& from, const fs::path& to) override {
    std::string name = to.filename().string();
    if (old_.count(name)) {
      CHECK(slurp(to) == old_[name]);
      ++checked;
    }
    Disk::rename(from, to);
  }
  int checked = 0;

 private:
  FileSet old_;
};

}  // namespace

TEST_CASE("export: writes, then rewrites only what changed, then removes what went") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "one"},
                   {"personas/a.html", "a"},
                   {"personas/b.html", "b"},
                   {"old/x.html", "x"}};
  WriteReport r = write_export(files, out, disk);
  CHECK(r.written == 4);
  CHECK(r.unchanged == 0);
  CHECK(report_line(r, "site") == "wrote 4 files, 0 unchanged, to site");
  CHECK(read_tree(out).size() == 5);

  files["personas/b.html"] = "b2";
  files.erase("personas/a.html");
  files.erase("old/x.html");
  files["personas/c.html"] = "c";
  r = write_export(files, out, disk);
  CHECK(report_line(r, "site") == "wrote 2 files, 1 unchanged, 2 removed, to site");
  auto tree = read_tree(out);
  CHECK(tree.count("personas/a.html") == 0);
  CHECK(tree.at("personas/b.html") == "b2");
  // A directory left empty goes with its files.
  CHECK_FALSE(fs::exists(out / "old"));
  auto manifest = nlohmann::json::parse(tree.at(kManifestFile));
  CHECK(manifest["format"] == 3);
  CHECK(manifest["files"]["personas/c.html"][0] ==
        "3410062ba67c5ed59b854387a8bc0ec012479368");  // printf c | git hash-object --stdin
  CHECK(manifest["files"]["personas/c.html"][1] == 1);
  CHECK(manifest["files"]["personas/c.html"][3] == inode(out / "personas/c.html"));
  CHECK(manifest["files"].size() == 3);

  r = write_export(files, out, disk);
  CHECK(report_line(r, "site") == "wrote 0 files, 3 unchanged, to site");
  // Nothing else is left beside the output, nor in it.
  CHECK(names_in(tmp.path) == std::set<std::string>{"site"});
  CHECK(paths_in(out) == std::set<std::string>{kManifestFile, "index.html", "personas",
                                               "personas/b.html", "personas/c.html"});
}

TEST_CASE("export: a previous export is updated in place, file by file") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  write_export({{"a.html", "a"}, {"b.html", "b"}}, out, disk);
  ino_t dir = inode(out), a = inode(out / "a.html"), b = inode(out / "b.html");
  struct stat before {};
  ::lstat((out / "a.html").c_str(), &before);
  WatchingDisk watching({{"a.html", "a"}, {"b.html", "b"}});
  WriteReport r = write_export({{"a.html", "a"}, {"b.html", "b2 longer"}}, out, watching);
  CHECK(r.written == 1);
  CHECK(watching.checked == 1);  // b.html was still whole when b2 replaced it
  CHECK(inode(out) == dir);
  // The unchanged file is left as it was; the changed one is a new file renamed over it.
  struct stat after {};
  ::lstat((out / "a.html").c_str(), &after);
  CHECK(after.st_ino == a);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  CHECK(inode(out / "b.html") != b);
  CHECK(slurp(out / "b.html") == "b2 longer");
  CHECK(names_in(out) == std::set<std::string>{kManifestFile, "a.html", "b.html"});
}

TEST_CASE("export: a file kept by its key must still be the file the previous export wrote") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {
      {"personas/a.html", "page a"}, {"personas/b.html", "page b"}, {"personas/c.html", "page c"}};
  std::vector<std::string> made;
  export_keyed(files, out, disk, &made);
  CHECK(made.size() == 3);

  // Edited by hand in place (same size, same inode), replaced by another file, and removed.
  std::ofstream(out / "personas/a.html", std::ios::binary | std::ios::trunc) << "PAGE A";
  fs::remove(out / "personas/b.html");
  spit(out / "personas/b.html", "PAGE B");
  fs::remove(out / "personas/c.html");
  made.clear();
  WriteReport r = export_keyed(files, out, disk, &made);
  CHECK(made == std::vector<std::string>{"personas/a.html", "personas/b.html", "personas/c.html"});
  CHECK(r.written == 3);
  CHECK(content_of(out) == files);

  made.clear();
  r = export_keyed(files, out, disk, &made);
  CHECK(made.empty());
  CHECK(r.unchanged == 3);
}

TEST_CASE("export: files are kept by their key in many directories") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  // More directories than the writer keeps open.
  FileSet files = {{"index.html", "i"}};
  for (int i = 0; i < 80; ++i)
    files["d" + std::to_string(i) + "/sub/p.html"] = "page " + std::to_string(i);
  export_keyed(files, out, disk);
  // A directory that became a file, and one that became a link, since.
  fs::remove_all(out / "d5");
  spit(out / "d5", "a file");
  fs::remove_all(out / "d77/sub");
  fs::create_directory_symlink(out / "d78/sub", out / "d77/sub");
  std::vector<std::string> made;
  WriteReport r = export_keyed(files, out, disk, &made);
  CHECK(made == std::vector<std::string>{"d5/sub/p.html", "d77/sub/p.html"});
  CHECK(r.unchanged == files.size() - 2);
  CHECK(content_of(out) == files);
  CHECK_FALSE(fs::is_symlink(out / "d77/sub"));
}

TEST_CASE("export: a large file's blob id, made aside, is the file's") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  std::string big(5 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096)
    big[i] = static_cast<char>('a' + i / 4096 % 26);
  auto run = [&](const std::string& data, std::optional<std::uint64_t> size) {
    return write_export(out, disk, [&](Sink& sink) {
      sink.file_pieces("assets/big.js", size, {}, [&](const Piece& put) {
        for (std::size_t at = 0; at < data.size(); at += 1000)
          put(std::string_view(data).substr(at, 1000));
      });
      sink.file("index.html", "i");
    });
  };
  auto blob_of = [&] {
    return nlohmann::json::parse(slurp(out / kManifestFile))["files"]["assets/big.js"][0];
  };
  for (auto size : {std::optional<std::uint64_t>(big.size()), std::optional<std::uint64_t>()}) {
    INFO("size " << (size ? "known" : "unknown"));
    fs::remove_all(out);
    run(big, size);
    CHECK(blob_of() == blob_id(big));
    CHECK(report_line(run(big, size), "site") == "wrote 0 files, 2 unchanged, to site");
    CHECK(blob_of() == blob_id(big));
    std::string other = big;
    other[123] = '!';
    CHECK(report_line(run(other, size), "site") == "wrote 1 file, 1 unchanged, to site");
    CHECK(slurp(out / "assets/big.js") == other);
    CHECK(blob_of() == blob_id(other));
  }
}

TEST_CASE("export: a failure midway leaves whole files, and the next export completes it") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet v1 = {{"index.html", "v1"},
                {"personas/a.html", "a1"},
                {"personas/b.html", "b1"},
                {"personas/old.html", "o"}};
  write_export(v1, out, disk);
  std::string manifest = slurp(out / kManifestFile);
  FileSet v2 = {{"index.html", "v2 index"},
                {"personas/a.html", "a2 page"},
                {"personas/b.html", "b2 page"},
                {"personas/new.html", "n"}};
  FailingDisk failing(2);
  CHECK_THROWS_WITH_AS(write_export(v2, out, failing),
                       "cannot write a.html: No space left on device", Error);
  CHECK(failing.writes == 2);
  // Every file is whole, old or new; nothing of the failed export is left; the manifest is the
  // previous one, and what it lists is still there.
  FileSet now = content_of(out);
  CHECK(now.at("index.html") == "v2 index");
  CHECK(now.at("personas/a.html") == "a1");
  CHECK(now.at("personas/b.html") == "b1");
  CHECK(now.at("personas/old.html") == "o");
  CHECK(now.size() == 4);
  CHECK(slurp(out / kManifestFile) == manifest);
  CHECK(names_in(out / "personas") == std::set<std::string>{"a.html", "b.html", "old.html"});
  CHECK(names_in(tmp.path) == std::set<std::string>{"site"});

  WriteReport r = write_export(v2, out, disk);
  CHECK(report_line(r, "site") == "wrote 3 files, 1 unchanged, 1 removed, to site");
  CHECK(content_of(out) == v2);
  write_export(v2, tmp.path / "fresh", disk);
  CHECK(content_of(out) == content_of(tmp.path / "fresh"));
}

TEST_CASE("export: a failure in a new directory leaves nothing") {
  TempDir tmp;
  FailingDisk failing(2);
  CHECK_THROWS_AS(write_export({{"a.html", "a"}, {"b.html", "b"}}, tmp.path / "site", failing),
                  Error);
  CHECK(fs::is_empty(tmp.path));
}

TEST_CASE("export: what an interrupted export left is removed by the next one") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  write_export(files, out, disk);
  // Temporary files of a killed export, and a file it renamed into place before the manifest.
  spit(out / ".index.html.persona-tmp-Ab12Cd", "half");
  spit(out / "personas/.a.html.persona-tmp-xyz123", "ha");
  spit(out / "apps/.x.html.persona-tmp-q1w2e3", "h");
  spit(out / "personas/b.html", "a page no manifest lists");
  WriteReport r = write_export(files, out, disk);
  CHECK(report_line(r, "site") == "wrote 0 files, 2 unchanged, to site");
  CHECK(paths_in(out) ==
        std::set<std::string>{kManifestFile, "index.html", "personas", "personas/a.html"});
}

TEST_CASE("export: a damaged, foreign or older manifest still marks an export, made again whole") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  for (std::string manifest :
       {std::string("{\"format\": 3, \"files\": {\"index.html\": [\"x\""),  // cut short
        std::string("[1, 2, 3]"), std::string("{\"format\": \"two\", \"renderer\": 3}"),
        std::string("{\"format\": 3, \"renderer\": \"\", \"files\": {\"index.html\": 7}}"),
        // What persona wrote before files were updated in place.
        "{\n  \"format\": 1,\n  \"generator\": \"persona export\",\n  \"renderer\": \"" +
            renderer_id() +
            "\",\n  \"files\": {\n    \"personas/a.html\": "
            "\"2e65efe2a145dda7ee51d1741299f848e5bf752e\"\n  },\n  \"keys\": {\n    "
            "\"personas/a.html\": \"k-a\"\n  },\n  \"state\": \"persona html stream "
            "1\\n3:123\"\n}\n"}) {
    INFO(manifest);
    fs::remove_all(out);
    spit(out / "personas/a.html", "an older a");
    spit(out / "personas/gone.html", "g");
    spit(out / kManifestFile, manifest);
    std::vector<std::string> made;
    WriteReport r = export_keyed(files, out, disk, &made);
    CHECK(made.size() == 2);
    CHECK(r.written == 2);
    CHECK(content_of(out) == files);
    CHECK(nlohmann::json::parse(slurp(out / kManifestFile))["format"] == 3);
  }
}

TEST_CASE("export: a manifest rewritten by a JSON tool is still read whole") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  export_keyed(files, out, disk);
  // Members in another order (nlohmann sorts them), no spacing.
  auto manifest = nlohmann::json::parse(slurp(out / kManifestFile));
  REQUIRE(manifest["files"].size() == 2);
  std::ofstream(out / kManifestFile, std::ios::binary | std::ios::trunc) << manifest.dump();
  check_all_kept(files, out, disk);
}

TEST_CASE(
    "export: each file's key is on its line of the manifest; the older layout is made again") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  export_keyed(files, out, disk);
  auto manifest = nlohmann::json::parse(slurp(out / kManifestFile));
  CHECK(manifest["files"]["personas/a.html"].size() == 5);
  CHECK(manifest["files"]["personas/a.html"][4] == "k-a");
  CHECK_FALSE(manifest.contains("keys"));
  // What persona wrote before the keys moved onto the files' lines: the same files, stats and keys.
  nlohmann::json older = manifest;
  older["format"] = 2;
  for (auto& [path, v] : older["files"].items()) {
    older["keys"][path] = v[4];
    v.erase(4);
  }
  std::ofstream(out / kManifestFile, std::ios::binary | std::ios::trunc) << older.dump(2);
  std::vector<std::string> made;
  export_keyed(files, out, disk, &made);
  CHECK(made.size() == 2);
  check_all_kept(files, out, disk);
}

TEST_CASE("export: keys that need escaping are read back from the manifest") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  FileSet files = {{"a.html", "say \"hi\" \\ \n\t\x01 \xc3\xa9"}, {"b.html", "b"}};
  export_keyed(files, out, disk);
  std::string escaped = "\"k-say \\\"hi\\\" \\\\ \\n\\t\\u0001 \xc3\xa9\"";
  CHECK(slurp(out / kManifestFile).find(escaped) != std::string::npos);
  check_all_kept(files, out, disk);
}

TEST_CASE("export: a file is sent once") {
  TempDir tmp;
  fs::path out = tmp.path / "site";
  Disk disk;
  CHECK_THROWS_WITH_AS(write_export(out, disk,
                                    [](Sink& sink) {
                                      sink.file("a.html", "1");
                                      sink.file("a.html", "2");
                                    }),
                       "export writes a.html twice", std::logic_error);
  CHECK_FALSE(fs::exists(out));
  export_keyed({{"a.html", "a"}}, out, disk);
  CHECK_THROWS_WITH_AS(write_export(out, disk,
                                    [](Sink& sink) {
                                      CHECK(sink.reuse("a.html", "k-a"));
                                      sink.reuse("a.html", "k-a");
                                    }),
                       "export writes a.html twice", std::logic_error);
  CHECK_THROWS_WITH_AS(write_export(out, disk,
                                    [](Sink& sink) {
                                      CHECK(sink.reuse("a.html", "k-a"));
                                      sink.file("a.html", "a", "k-a");
                                    }),
                       "export writes a.html twice", std::logic_error);
  CHECK(content_of(out) == FileSet{{"a.html", "a"}});
}

TEST_CASE("export: a directory that is not an export is never replaced") {
  TempDir tmp;
  Disk disk;
  spit(tmp.path / "notes/todo.txt", "keep me");
  CHECK_THROWS_WITH_AS(write_export({{"index.html", "x"}}, tmp.path / "notes", disk),
                       ("refusing to replace '" + (tmp.path / "notes").string() +
                        "': it is not empty and holds no previous export")
                           .c_str(),
                       Error);
  CHECK(slurp(tmp.path / "notes/todo.txt") == "keep me");
  CHECK(names_in(tmp.path / "notes") == std::set<std::string>{"todo.txt"});
  spit(tmp.path / "file", "x");
  CHECK_THROWS_WITH_AS(
      write_export({{"index.html", "x"}}, tmp.path / "file", disk),
      ("'" + (tmp.path / "file").string() + "' exists and is not a directory").c_str(), Error);
  // An empty directory is filled in place.
  fs::create_directory(tmp.path / "empty");
  ino_t dir = inode(tmp.path / "empty");
  CHECK(write_export({{"index.html", "x"}}, tmp.path / "empty", disk).written == 1);
  CHECK(inode(tmp.path / "empty") == dir);
  CHECK(slurp(tmp.path / "empty/index.html") == "x");
}

TEST_CASE("export: a path that leaves the output directory is refused before writing") {
  TempDir tmp;
  Disk disk;
  CHECK_THROWS_WITH_AS(
      write_export({{"../escape.html", "x"}}, tmp.path / "site", disk),
      "refusing to write '../escape.html': not a plain path inside the output directory", Error);
  CHECK_FALSE(fs::exists(tmp.path / "escape.html"));
  CHECK_FALSE(fs::exists(tmp.path / "site"));
  CHECK_THROWS_WITH_AS(
      write_export({{"a/.b.html.persona-tmp-abcdef", "x"}}, tmp.path / "site", disk),
      "refusing to write 'a/.b.html.persona-tmp-abcdef': not a plain path inside the output "
      "directory",
      Error);
}

TEST_CASE("export: no write goes through a symlink inside the output directory") {
  TempDir tmp;
  Disk disk;
  fs::path out = tmp.path / "site";
  write_export({{"personas/a.html", "a"}}, out, disk);
  fs::create_directory(tmp.path / "elsewhere");
  spit(tmp.path / "elsewhere/a.html", "not ours");
  fs::remove_all(out / "personas");
  fs::create_directory_symlink(tmp.path / "elsewhere", out / "personas");
  write_export({{"personas/a.html", "a2"}, {"personas/b.html", "b"}}, out, disk);
  CHECK_FALSE(fs::is_symlink(out / "personas"));
  CHECK(slurp(out / "personas/a.html") == "a2");
  CHECK(names_in(tmp.path / "elsewhere") == std::set<std::string>{"a.html"});
  CHECK(slurp(tmp.path / "elsewhere/a.html") == "not ours");
}

TEST_CASE("export: a file is not kept through a symlink inside the output directory") {
  TempDir tmp;
  Disk disk;
  fs::path out = tmp.path / "site";
  FileSet files = {{"index.html", "i"}, {"personas/a.html", "a"}};
  export_keyed(files, out, disk);
  // The very file (a hard link: same inode, size and mtime), reached through a link.
  fs::create_directory(tmp.path / "elsewhere");
  fs::create_hard_link(out / "personas/a.html", tmp.path / "elsewhere/a.html");
  fs::remove_all(out / "personas");
  fs::create_directory_symlink(tmp.path / "elsewhere", out / "personas");
  std::vector<std::string> made;
  export_keyed(files, out, disk, &made);
  CHECK(made == std::vector<std::string>{"personas/a.html"});
  CHECK_FALSE(fs::is_symlink(out / "personas"));
  CHECK(content_of(out) == files);
  CHECK(names_in(tmp.path / "elsewhere") == std::set<std::string>{"a.html"});
}

TEST_CASE("export: through a symlink, the directory it points to is updated") {
  TempDir tmp;
  Disk disk;
  write_export({{"index.html", "1"}}, tmp.path / "real", disk);
  fs::create_directory_symlink(tmp.path / "real", tmp.path / "link");
  write_export({{"index.html", "2"}}, tmp.path / "link", disk);
  CHECK(fs::is_symlink(tmp.path / "link"));
  CHECK(slurp(tmp.path / "real/index.html") == "2");
}

namespace {

/// Passes files on, counting the persona files (those with an input key) that had to be made.
class CountingSink : public Sink {
 public:
  explicit CountingSink(Sink& next) : next_(next) {}
  bool reuse(const std::string& path, const std::string& key) override {
    return next_.reuse(path, key);
  }
  void file(const std::string& path, std::string data, const std::string& key) override {
    if (!key.empty()) made.push_back(path);
    next_.file(path, std::move(data), key);
  }
  std::vector<std::string> made;

 private:
  Sink& next_;
};

Library load_copy(const fs::path& root) {
  LoadOptions o;
  o.now = "2026-11-28T00:00:00Z";
  o.jobs = 1;
  return load_library(root, o);
}

}  // namespace

TEST_CASE("export: persona files whose inputs did not change are not made again") {
  TempDir tmp;
  fs::copy(kFixture, tmp.path / "lib", fs::copy_options::recursive);
  fs::path out = tmp.path / "site";
  auto all = format_names();
  auto run = [&](std::vector<std::string>* made) {
    Library lib = load_copy(tmp.path / "lib");
    RenderContext ctx(lib);
    Disk disk;
    return write_export(out, disk, [&](Sink& sink) {
      CountingSink counting(sink);
      export_files(ctx, all, &builtin_templates(), counting);
      *made = counting.made;
    });
  };
  std::vector<std::string> made;
  WriteReport first = run(&made);
  CHECK(made.size() == 12);  // 4 personas, 3 formats
  FileSet before = read_tree(out);

  WriteReport again = run(&made);
  CHECK(made.empty());
  CHECK(again.written == 0);
  CHECK(again.unchanged == first.written);
  CHECK(read_tree(out) == before);

  fs::path stripe = tmp.path / "lib/personas/stripe/stripe-platform-builder.yaml";
  std::string text = slurp(stripe);
  auto at = text.find("freelance photographers");
  REQUIRE(at != std::string::npos);
  spit(stripe, text.replace(at, 23, "freelance videographers"));
  WriteReport changed = run(&made);
  CHECK(made == std::vector<std::string>{"personas/app-116.html", "personas/app-116.json",
                                         "personas/app-116.md"});
  CHECK(changed.written == 5);  // and the search index and library.json

  // Another program (a new persona version) makes every page again, whatever the keys say.
  std::string manifest = slurp(out / kManifestFile);
  auto r = manifest.find("\"renderer\": \"");
  REQUIRE(r != std::string::npos);
  spit(out / kManifestFile, manifest.insert(r + 13, "older "));
  WriteReport upgraded = run(&made);
  CHECK(made.size() == 12);
  CHECK(upgraded.written == 0);
}

TEST_CASE("export: the renderer is identified") { CHECK(renderer_id().rfind("build-id ", 0) == 0); }

// ---------------------------------------------------------------------------------------------
// Golden files: one export per format of tests/golden/export/library.

TEST_CASE("export: golden files") {
  bool update = std::getenv("UPDATE_GOLDEN") && *std::getenv("UPDATE_GOLDEN");
  for (const std::string format : {"html", "json", "md"}) {
    INFO("format " << format);
    RenderContext ctx(fixture());
    FileSet files = build_export(ctx, {format}, &builtin_templates());
    TempDir tmp;
    Disk disk;
    write_export(files, tmp.path / format, disk);
    FileSet got = read_tree(tmp.path / format);
    // The manifest names the program that wrote it; the content files are what is compared.
    got.erase(kManifestFile);
    fs::path golden = kGolden / format;
    if (update) {
      fs::remove_all(golden);
      for (const auto& [path, data] : got) spit(golden / path, data);
      MESSAGE("rewrote " << golden.string());
    }
    FileSet want = read_tree(golden);
    std::set<std::string> names;
    for (const auto& [p, d] : got) names.insert(p);
    for (const auto& [p, d] : want) names.insert(p);
    for (const auto& name : names) {
      INFO(name);
      CHECK_MESSAGE(got.count(name), "missing from the export (or run with UPDATE_GOLDEN=1)");
      CHECK_MESSAGE(want.count(name), "not in the golden files (run with UPDATE_GOLDEN=1)");
      if (got.count(name) && want.count(name))
        CHECK_MESSAGE(got[name] == want[name],
                      "differs from the golden file; run with UPDATE_GOLDEN=1 and review the diff");
    }
  }
}
