// git/changes: merge bases that refuse to guess in a shallow clone, shallow roots, and the remote
// a base revision belongs to. Repositories are made with the git command line (clone --depth
// makes a shallow clone as users get one), in temporary directories.
#include "git/changes.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "git/repository.h"
#include "support.h"

using namespace persona;
using namespace persona::git;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

/// Runs a shell command (git with a fixed identity and clock) in `dir`; REQUIREs success.
void sh(const fs::path& dir, const std::string& cmd) {
  std::string full = "cd '" + dir.string() +
                     "' && export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "
                     "GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=T "
                     "GIT_COMMITTER_EMAIL=t@example.org GIT_AUTHOR_DATE='@1764351000 +0000' "
                     "GIT_COMMITTER_DATE='@1764351000 +0000' && (" +
                     cmd + ") >/dev/null 2>&1";
  INFO(cmd);
  REQUIRE(std::system(full.c_str()) == 0);
}

/// A commit on the current branch changing `file`.
void change(const fs::path& dir, const std::string& file, const std::string& text) {
  sh(dir, "printf '%s\\n' '" + text + "' > " + file + " && git add -A && git commit -q -m '" +
              file + " " + text + "'");
}

ObjectId rev(const fs::path& dir, const std::string& r) {
  return Repository::open(dir).resolve_commit(r);
}

}  // namespace

TEST_CASE("changes: the merge base of two branches of a complete history is found") {
  TempDir t;
  fs::path d = t.path / "r";
  fs::create_directories(d);
  sh(d, "git init -q -b main");
  change(d, "a.txt", "one");
  sh(d, "git branch side");
  change(d, "a.txt", "two");
  sh(d, "git checkout -q side");
  change(d, "b.txt", "three");
  Repository repo = Repository::open(d);
  CHECK_FALSE(is_shallow(repo));
  CHECK(shallow_roots(repo).empty());
  MergeBase mb = merge_base_checked(repo, rev(d, "main"), rev(d, "side"));
  CHECK(mb.status == MergeBase::Status::kFound);
  CHECK(mb.id == rev(d, "main~1"));
  CHECK(mb.detail.empty());

  // Histories with no common commit.
  sh(d,
     "git checkout -q --orphan lone && git rm -rqf . && printf 'x\\n' > c.txt && git add c.txt "
     "&& git commit -q -m lone");
  MergeBase none = merge_base_checked(repo, rev(d, "main"), rev(d, "lone"));
  CHECK(none.status == MergeBase::Status::kUnrelated);
}

TEST_CASE("changes: a shallow clone whose history stops before the merge base does not guess") {
  TempDir t;
  fs::path origin = t.path / "origin", clone = t.path / "clone";
  fs::create_directories(origin);
  sh(origin, "git init -q -b main");
  change(origin, "a.txt", "one");
  change(origin, "a.txt", "two");
  sh(origin, "git branch side");
  change(origin, "a.txt", "three");
  change(origin, "a.txt", "four");
  sh(origin, "git checkout -q side");
  change(origin, "b.txt", "five");
  sh(origin, "git checkout -q main");
  sh(t.path, "git clone -q --depth 1 --no-single-branch file://" + origin.string() + " clone");

  Repository repo = Repository::open(clone);
  CHECK(is_shallow(repo));
  auto roots = shallow_roots(repo);
  REQUIRE(roots.size() == 2);  // each branch's tip, cut from its history
  CHECK(std::is_sorted(roots.begin(), roots.end()));
  MergeBase mb = merge_base_checked(repo, rev(clone, "origin/main"), rev(clone, "origin/side"));
  CHECK(mb.status == MergeBase::Status::kIncomplete);
  CHECK_FALSE(mb.detail.empty());

  // Deepened enough, the same question has its answer.
  sh(clone, "git fetch -q --deepen 3 origin");
  MergeBase deep = merge_base_checked(repo, rev(clone, "origin/main"), rev(clone, "origin/side"));
  CHECK(deep.status == MergeBase::Status::kFound);
  CHECK(deep.id == rev(origin, "side~1"));
}

TEST_CASE("changes: a base revision names its remote and branch, or none") {
  TempDir t;
  fs::path origin = t.path / "origin", clone = t.path / "clone";
  fs::create_directories(origin);
  sh(origin, "git init -q -b main");
  change(origin, "a.txt", "one");
  sh(t.path, "git clone -q file://" + origin.string() + " clone");
  sh(clone, "git remote add upstream file://" + origin.string() + " && git fetch -q upstream");
  Repository repo = Repository::open(clone);

  auto rb = remote_branch_of(repo, "origin/main");
  REQUIRE(rb);
  CHECK(rb->remote == "origin");
  CHECK(rb->branch == "main");
  auto full = remote_branch_of(repo, "refs/remotes/upstream/main");
  REQUIRE(full);
  CHECK(full->remote == "upstream");
  CHECK(full->branch == "main");
  CHECK_FALSE(remote_branch_of(repo, "main"));
  CHECK_FALSE(remote_branch_of(repo, "nosuchremote/main"));
  CHECK(remote_names(repo) == std::vector<std::string>{"origin", "upstream"});
}
