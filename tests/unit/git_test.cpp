#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "core/error.h"
#include "core/hash.h"
#include "git/repository.h"
#include "git/worktree.h"
#include "support.h"

using namespace persona;
using namespace persona::git;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

Signature ada(std::int64_t time = 1764351000) {
  return Signature{"Ada Lovelace", "ada@example.org", time, 0};
}

ObjectId commit(Repository& repo, const ObjectId& parent, std::vector<FileWrite> files,
                std::string message, std::int64_t time = 1764351000,
                std::vector<std::string> removals = {}, std::vector<ObjectId> merge_parents = {}) {
  CommitRequest req;
  req.parent = parent;
  req.files = std::move(files);
  req.removals = std::move(removals);
  req.merge_parents = std::move(merge_parents);
  req.message = std::move(message);
  req.author = req.committer = ada(time);
  return repo.write_commit(req);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a new repository has an unborn HEAD, handled as a value and a clear error") {
  TempDir d;
  Repository repo = Repository::init(d.path, "main");
  CHECK(repo.head_unborn());
  CHECK(repo.head_branch() == "main");
  CHECK_FALSE(repo.try_resolve_commit("HEAD"));
  CHECK(error_of([&] { repo.head_commit(); }) ==
        "the repository has no commits yet (HEAD is the unborn branch 'main')");
  CHECK(error_of([&] { repo.resolve_commit("nope"); }) ==
        "bad revision 'nope': it does not name a commit");
  CHECK(fs::equivalent(repo.workdir(), d.path));
  CHECK(repo.git_dir().filename() == ".git");
}

TEST_CASE("commits are written to the object database only, with reproducible ids") {
  TempDir d;
  Repository repo = Repository::init(d.path);
  ObjectId c1 =
      commit(repo, "", {{"library.yaml", "name: x\n"}, {"personas/a/b.yaml", "pid: APP-100\n"}},
             "First\n\nBody line.\n\nPersona: APP-100");
  CHECK(c1.size() == 40);
  // Nothing outside .git changed, and HEAD is still unborn: no ref was touched.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(d.path)) entries += e.path().filename() != ".git";
  CHECK(entries == 0);
  CHECK(repo.head_unborn());
  CHECK_FALSE(fs::exists(repo.git_dir() / "index"));

  TempDir d2;
  Repository other = Repository::init(d2.path);
  CHECK(commit(other, "", {{"library.yaml", "name: x\n"}, {"personas/a/b.yaml", "pid: APP-100\n"}},
               "First\n\nBody line.\n\nPersona: APP-100") == c1);

  repo.create_branch("main", c1, "test");
  CHECK_FALSE(repo.head_unborn());
  CHECK(repo.head_commit() == c1);
  CHECK(repo.resolve_commit("main") == c1);
  CHECK(repo.resolve_commit(c1.substr(0, 10)) == c1);

  CommitInfo info = repo.commit_info(c1);
  CHECK(info.id == c1);
  CHECK(info.summary == "First");
  CHECK(info.message == "First\n\nBody line.\n\nPersona: APP-100\n");
  CHECK(info.author.name == "Ada Lovelace");
  CHECK(info.author.email == "ada@example.org");
  CHECK(info.author.time == 1764351000);
  CHECK(info.parents.empty());

  CHECK(repo.read_blob(c1, "personas/a/b.yaml") == std::optional<std::string>("pid: APP-100\n"));
  CHECK_FALSE(repo.read_blob(c1, "personas/a"));
  CHECK_FALSE(repo.read_blob(c1, "missing.yaml"));
  CHECK(repo.entry_id(c1, "library.yaml") == std::optional<ObjectId>(blob_id("name: x\n")));
  CHECK(repo.entry_id(c1, "").has_value());
  CHECK_FALSE(repo.entry_id(c1, "nope/x"));
  auto top = repo.list_tree(c1, "");
  REQUIRE(top.size() == 2);
  CHECK(top[0].name == "library.yaml");
  CHECK_FALSE(top[0].is_tree);
  CHECK(top[1].name == "personas");
  CHECK(top[1].is_tree);
  CHECK(repo.list_tree(c1, "personas/a").size() == 1);
  CHECK(repo.list_tree(c1, "nope").empty());
}

TEST_CASE("branches are created only when free, and locks are named, never removed") {
  TempDir d;
  Repository repo = Repository::init(d.path);
  ObjectId c1 = commit(repo, "", {{"a.txt", "a\n"}}, "one");
  repo.create_branch("main", c1, "test");
  CHECK(repo.branch_exists("main"));
  CHECK_FALSE(repo.branch_exists("contrib/x"));
  CHECK(error_of([&] {
          repo.create_branch("main", c1, "again");
        }).starts_with("branch 'main' already exists"));

  fs::create_directories(repo.common_dir() / "refs/heads/contrib");
  std::ofstream(repo.common_dir() / "refs/heads/contrib/x.lock") << "";
  std::string e = error_of([&] { repo.create_branch("contrib/x", c1, "test"); });
  CHECK(e.starts_with("branch 'contrib/x' is locked: '" +
                      (repo.common_dir() / "refs/heads/contrib/x.lock").string() + "' exists"));
  CHECK(fs::exists(repo.common_dir() / "refs/heads/contrib/x.lock"));
  CHECK_FALSE(repo.branch_exists("contrib/x"));

  // The index is never written by a contribution: its lock is no reason to stop.
  std::ofstream(repo.git_dir() / "index.lock") << "";
  std::ofstream(repo.git_dir() / "HEAD.lock") << "";
  auto locks = repo.locks_present({"refs/heads/contrib/x", "refs/heads/contrib/y"});
  REQUIRE(locks.size() == 2);
  CHECK(locks[0] == repo.git_dir() / "HEAD.lock");
  CHECK(locks[1] == repo.common_dir() / "refs/heads/contrib/x.lock");

  CHECK(Repository::valid_branch_name("contrib/APP-153/confirm-aha_moment-1a2b3c4d"));
  CHECK_FALSE(Repository::valid_branch_name("goals[2]"));
  CHECK_FALSE(Repository::valid_branch_name("a..b"));
  CHECK_FALSE(Repository::valid_branch_name("-x"));
  CHECK_FALSE(Repository::valid_branch_name(""));
}

TEST_CASE("merge base and changed paths between two commits") {
  TempDir d;
  Repository repo = Repository::init(d.path);
  std::string long_text;
  for (int i = 0; i < 40; ++i)
    long_text += "line " + std::to_string(i) + " of a file that is renamed\n";
  ObjectId base = commit(
      repo, "",
      {{"keep.txt", "k\n"}, {"old/name.txt", long_text}, {"gone.txt", "g\n"}, {"edit.txt", "1\n"}},
      "base");
  ObjectId left = commit(repo, base, {{"left.txt", "l\n"}}, "left");
  ObjectId right =
      commit(repo, base, {{"new/name.txt", long_text}, {"edit.txt", "2\n"}, {"added.txt", "a\n"}},
             "right", 1764351000, {"old/name.txt", "gone.txt"});
  CHECK(repo.merge_base(left, right) == std::optional<ObjectId>(base));
  CHECK(repo.merge_base(base, right) == std::optional<ObjectId>(base));
  ObjectId lone = commit(repo, "", {{"x", "x\n"}}, "unrelated");
  CHECK_FALSE(repo.merge_base(lone, right));

  auto changes = repo.changed_paths(base, right);
  REQUIRE(changes.size() == 4);
  CHECK(changes[0].path == "added.txt");
  CHECK(changes[0].status == ChangeStatus::kAdded);
  CHECK(changes[0].old_id.empty());
  CHECK(changes[0].new_id == blob_id("a\n"));
  CHECK(changes[1].path == "edit.txt");
  CHECK(changes[1].status == ChangeStatus::kModified);
  CHECK(changes[1].old_id == blob_id("1\n"));
  CHECK(changes[2].path == "gone.txt");
  CHECK(changes[2].status == ChangeStatus::kDeleted);
  CHECK(changes[2].new_id.empty());
  CHECK(changes[3].path == "new/name.txt");
  CHECK(changes[3].old_path == "old/name.txt");
  CHECK(changes[3].status == ChangeStatus::kRenamed);
  CHECK(std::string(change_status_name(changes[3].status)) == "renamed");

  auto plain = repo.changed_paths(base, right, false);
  CHECK(plain.size() == 5);  // the rename is a deletion and an addition
}

TEST_CASE("files_added_under finds the commit that added each file, across merges") {
  TempDir d;
  Repository repo = Repository::init(d.path);
  ObjectId c0 = commit(repo, "", {{"personas/p.yaml", "p\n"}}, "init", 1000000000);
  ObjectId a = commit(repo, c0, {{"contributions/APP-1/a.yaml", "a\n"}}, "add a", 1000000100);
  ObjectId b = commit(repo, c0, {{"contributions/APP-1/b.yaml", "b\n"}}, "add b", 1000000200);
  ObjectId other =
      commit(repo, a, {{"personas/p.yaml", "p2\n"}, {"contributions/APP-2/z.yaml", "z\n"}},
             "unrelated", 1000000300);
  // A merge whose tree holds both sides: it adds nothing itself.
  ObjectId m =
      commit(repo, other, {{"contributions/APP-1/b.yaml", "b\n"}}, "merge", 1000000400, {}, {b});
  auto found = repo.files_added_under(m, "contributions/APP-1");
  REQUIRE(found.size() == 2);
  CHECK(found[0].path == "contributions/APP-1/a.yaml");
  CHECK(found[0].commit == a);
  CHECK(found[0].blob == blob_id("a\n"));
  CHECK(found[1].path == "contributions/APP-1/b.yaml");
  CHECK(found[1].commit == b);
  CHECK(repo.files_added_under(m, "contributions/APP-9").empty());
  CHECK(repo.files_added_under(c0, "contributions/APP-1").empty());
}

TEST_CASE("discover searches upward; configuration and remotes are read") {
  TempDir d;
  {
    Repository repo = Repository::init(d.path);
    std::ofstream(repo.git_dir() / "config", std::ios::app)
        << "[user]\n\tname = Grace Hopper\n[remote \"origin\"]\n\turl = /nowhere\n";
  }
  fs::create_directories(d.path / "a/b");
  Repository found = Repository::discover(d.path / "a/b");
  CHECK(fs::equivalent(found.workdir(), d.path));
  CHECK(found.config_string("user.name") == std::optional<std::string>("Grace Hopper"));
  CHECK_FALSE(found.config_string("user.nosuchkey"));
  CHECK(found.remotes() == std::vector<std::string>{"origin"});
  CHECK(found.path_in_repo(d.path / "a/b") == "a/b");
  CHECK(found.path_in_repo(d.path).empty());
  CHECK(error_of([&] {
          found.path_in_repo(d.path.parent_path());
        }).find("is outside the working tree") != std::string::npos);

  TempDir outside;
  std::string e = error_of([&] { Repository::discover(outside.path); });
  CHECK(e == "not a git repository (or any parent up to /): '" + outside.path.string() + "'");
}

TEST_CASE("a branch is pushed to a local bare repository") {
  TempDir d;
  Repository repo = Repository::init(d.path / "work");
  Repository bare = Repository::init(d.path / "remote.git", "main", true);
  CHECK(bare.is_bare());
  ObjectId c1 = commit(repo, "", {{"a.txt", "a\n"}}, "one");
  repo.create_branch("contrib/x", c1, "test");
  repo.push_branch((d.path / "remote.git").string(), "contrib/x");
  CHECK(bare.resolve_commit("contrib/x") == c1);
  CHECK(error_of([&] { repo.push_branch("nosuchremote", "contrib/x"); }) ==
        "no remote named 'nosuchremote'");
}

TEST_CASE("a working-tree file is read for its blob only while git would call it unchanged") {
  TempDir tmp;
  fs::path dir = tmp.path / "clone";
  fs::create_directories(dir / "personas");
  const std::string text = "pid: APP-1\nname: One\n";
  fs::path file = dir / "personas/one.yaml";
  std::ofstream(file) << text;
  // Older than the index about to be written, so the entry is not racy.
  fs::last_write_time(file, fs::last_write_time(file) - std::chrono::hours(1));
  std::string git = "git -C '" + dir.string() + "' -c user.name=t -c user.email=t@example.org ";
  REQUIRE(
      std::system((git + "init -q && " + git + "add personas/one.yaml && " + git + "commit -qm one")
                      .c_str()) == 0);
  Repository repo = Repository::open(dir);
  const ObjectId id = blob_id(text);

  {
    CleanWorktree clean(repo);
    REQUIRE(clean.read("personas/one.yaml", id));
    CHECK(*clean.read("personas/one.yaml", id) == text);
    CHECK_FALSE(
        clean.read("personas/one.yaml", blob_id("something else")));  // not the index's blob
    CHECK_FALSE(clean.read("personas/two.yaml", id));                 // not in the index
  }
  // The same size, other bytes: its times moved, so it is not the blob any more.
  std::ofstream(file) << "pid: APP-2\nname: One\n";
  CHECK_FALSE(CleanWorktree(repo).read("personas/one.yaml", id));
  std::ofstream(file) << text;
  CHECK_FALSE(CleanWorktree(repo).read("personas/one.yaml", id));  // rewritten: new times
  // Re-added, but the index written in the file's own clock tick: racy, not trusted.
  REQUIRE(std::system((git + "add personas/one.yaml").c_str()) == 0);
  fs::path index = dir / ".git/index";
  fs::last_write_time(index, fs::last_write_time(file));
  CHECK_FALSE(CleanWorktree(repo).read("personas/one.yaml", id));
  fs::last_write_time(index, fs::last_write_time(file) + std::chrono::seconds(1));
  CHECK(CleanWorktree(repo).read("personas/one.yaml", id) == text);

  // A bare repository has no working tree: nothing is read, nothing fails.
  Repository bare = Repository::init(tmp.path / "bare.git", "main", true);
  CHECK_FALSE(CleanWorktree(bare).read("personas/one.yaml", id));
}
