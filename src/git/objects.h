#pragma once
/// The lookups every part of the git layer makes (a commit, its tree, a tree, an entry by path)
/// and signatures to and from libgit2's. Included only by src/git/*.cpp.
#include <string_view>

#include "git/handle.h"
#include "git/repository.h"

namespace persona::git {

/// The commit `id`; throws when it cannot be read.
CommitPtr lookup_commit(git_repository* repo, const ObjectId& id);
/// The tree of commit `commit`.
TreePtr commit_tree(git_repository* repo, const ObjectId& commit);
/// The tree `oid`.
TreePtr lookup_tree(git_repository* repo, const git_oid& oid);
/// The entry at `path` in `tree`, or null when absent.
TreeEntryPtr entry_bypath(git_tree* tree, std::string_view path);
/// A libgit2 signature as ours (empty for null).
Signature from_git(const git_signature* s);
/// Ours as libgit2's, for the commit's `role` ("author", "committer"); refuses a name or email
/// with a control character or an angle bracket, which would forge the commit's header.
SignaturePtr to_git(const Signature& s, const char* role);

}  // namespace persona::git
