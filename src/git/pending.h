#pragma once
/// Contributions not merged yet: the records on the contribution branches (local and
/// remote-tracking, under the library's branch prefix) that a commit's tree does not have. What
/// `history --pending` lists, and what `contribute` looks through for a contribution already
/// recorded and for pending contributions to the field it is about.
#include <string>
#include <vector>

#include "git/repository.h"
#include "library/records.h"

namespace persona {

/// A branch and the commit it points to, named as git prints it ("contrib/x", "origin/contrib/x").
struct BranchTip {
  std::string name;
  git::ObjectId commit;
};

/// The local branches under `branch_prefix` (refs/heads/<prefix>/...), then the remote-tracking
/// ones (refs/remotes/<remote>/<prefix>/...), each group sorted by name; every branch when
/// `branch_prefix` is "". Symbolic refs (origin/HEAD) are left out.
std::vector<BranchTip> contribution_branches(const git::Repository& repo,
                                             const std::string& branch_prefix);

/// The records of `pid` at `commit`: the files directly under contributions/<pid>/ of the library
/// at `prefix` (its path from the top of the repository, "" at the top), read as validate reads
/// them (record schema, id, file name, pid directory) except that any time is accepted; a file
/// that does not pass is left out. `file` is library-relative. Sorted by time, then file.
std::vector<Record> records_at(const git::Repository& repo, const git::ObjectId& commit,
                               const std::string& prefix, const std::string& pid);

/// A record on one or more branches.
struct BranchRecord {
  Record record;
  std::vector<std::string> branches;  ///< every branch that has it, in contribution_branches order
  git::ObjectId commit;               ///< the tip of the first
};

/// The records of `pid` on the contribution branches whose file `base`'s tree does not have
/// (records are never edited: the path names one), each once. Sorted by time, then file.
std::vector<BranchRecord> pending_records(const git::Repository& repo, const git::ObjectId& base,
                                          const std::string& prefix, const std::string& pid,
                                          const std::string& branch_prefix);

}  // namespace persona
