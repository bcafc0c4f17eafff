#pragma once
/// Reading a blob's bytes from the working tree when git would call the file unchanged, instead
/// of inflating the blob from the object database: what `git status` trusts, used where many
/// blobs are read once (contribute looks for a pid among every persona blob at the base commit;
/// a fresh clone has no cache of them yet).
#include <memory>
#include <optional>
#include <string>

#include "git/repository.h"

namespace persona::git {

class CleanWorktree {
 public:
  /// For `repo`, which must outlive it. The index is loaded by the first read(); nothing here
  /// throws: a bare repository, a missing or unreadable index makes every read() nullopt.
  explicit CleanWorktree(const Repository& repo);
  ~CleanWorktree();
  CleanWorktree(const CleanWorktree&) = delete;
  CleanWorktree& operator=(const CleanWorktree&) = delete;

  /// The bytes of `path` (from the top of the working tree) when they are blob `blob`'s: the
  /// index holds `path` at stage 0 with that blob id and no assume-unchanged or skip-worktree
  /// flag, the file is a regular file whose size, mtime, ctime, inode and device are the index
  /// entry's before and after the read, and the entry is not racy (its mtime is older than the
  /// index file's, as git requires). nullopt otherwise: the caller reads the blob.
  /// Not safe to call from several threads at once (the first call loads the index).
  std::optional<std::string> read(const std::string& path, const ObjectId& blob) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True when `path` (from the top of the working tree) differs from HEAD's version: changed,
/// staged or deleted, as `git status` would list it. False for a bare repository, an unborn HEAD,
/// or when git cannot tell (nothing here throws).
bool has_uncommitted_changes(const Repository& repo, const std::string& path);

}  // namespace persona::git
