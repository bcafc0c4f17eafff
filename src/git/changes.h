#pragma once
/// What `persona check --base` needs from git beyond repository.h: a merge base that refuses to
/// guess in a shallow clone, and the remote a base revision belongs to (for the exact
/// `git fetch` command that repairs a clone without enough history).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/repository.h"

namespace persona::git {

/// True when the repository is a shallow clone (its history stops at some commits).
bool is_shallow(const Repository& repo);

/// The commits at which a shallow clone's history stops (`.git/shallow`), sorted; empty for a
/// complete clone.
std::vector<ObjectId> shallow_roots(const Repository& repo);

/// The answer of merge_base_checked: either the merge base, or why there is none.
struct MergeBase {
  enum class Status {
    kFound,       ///< `id` is the merge base, and the history it was computed from is complete
    kUnrelated,   ///< complete history, no common ancestor
    kIncomplete,  ///< a shallow clone whose history stops before the answer is certain
  };
  Status status = Status::kFound;
  ObjectId id;         ///< when kFound
  std::string detail;  ///< when kIncomplete: what was missing (libgit2's message or the root)
};

/// The best common ancestor of `a` and `b`, refusing to guess: in a shallow clone the answer
/// counts only when no commit between either side and the merge base is a shallow root (where
/// history was cut, a nearer common ancestor could hide), and any missing object makes the answer
/// kIncomplete instead of an error. Other libgit2 failures throw persona::Error (exit 3).
MergeBase merge_base_checked(const Repository& repo, const ObjectId& a, const ObjectId& b);

/// The remote a revision such as "origin/main" or "refs/remotes/upstream/dev" belongs to, and the
/// branch's name there ("main"); nullopt when `rev` names no remote-tracking branch of a
/// configured remote.
struct RemoteBranch {
  std::string remote;  ///< "origin"
  std::string branch;  ///< "main"
};
std::optional<RemoteBranch> remote_branch_of(const Repository& repo, std::string_view rev);

/// The names of the configured remotes, sorted.
std::vector<std::string> remote_names(const Repository& repo);

}  // namespace persona::git
