#pragma once
/// RAII for libgit2 handles and the one way this layer reports a failed call. Included only by
/// src/git/*.cpp (the rest of the project never sees a git_* type).
#include <git2.h>

#include <memory>
#include <string>

#include "core/error.h"

namespace persona::git {

/// Frees a libgit2 object with its own free function.
template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using RepositoryPtr = std::unique_ptr<git_repository, Deleter<git_repository_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob_free>>;
using ReferencePtr = std::unique_ptr<git_reference, Deleter<git_reference_free>>;
using ConfigPtr = std::unique_ptr<git_config, Deleter<git_config_free>>;
using ConfigIteratorPtr = std::unique_ptr<git_config_iterator, Deleter<git_config_iterator_free>>;
using DiffPtr = std::unique_ptr<git_diff, Deleter<git_diff_free>>;
using RevwalkPtr = std::unique_ptr<git_revwalk, Deleter<git_revwalk_free>>;
using SignaturePtr = std::unique_ptr<git_signature, Deleter<git_signature_free>>;
using RemotePtr = std::unique_ptr<git_remote, Deleter<git_remote_free>>;
using TransactionPtr = std::unique_ptr<git_transaction, Deleter<git_transaction_free>>;

/// A git_buf that disposes of itself.
struct Buf {
  git_buf buf = GIT_BUF_INIT;
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { git_buf_dispose(&buf); }
  std::string str() const { return buf.ptr ? std::string(buf.ptr, buf.size) : std::string(); }
};

/// A git_strarray filled by libgit2, disposed of with it.
struct StrArray {
  git_strarray arr = {nullptr, 0};
  StrArray() = default;
  StrArray(const StrArray&) = delete;
  StrArray& operator=(const StrArray&) = delete;
  ~StrArray() { git_strarray_dispose(&arr); }
};

/// libgit2's last error message for this thread, or a generic one.
inline std::string last_error_message() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

/// What a person can do about libgit2's error `rc` (its last error's class decides), for the
/// hint line of every libgit2 error that reaches them.
inline std::string error_hint(int rc) {
  const git_error* e = git_error_last();
  int klass = e ? e->klass : GIT_ERROR_NONE;
  if (rc == GIT_ELOCKED || klass == GIT_ERROR_FILESYSTEM)
    return "another git process may be running, or a file cannot be written; 'git status' says "
           "more (persona never removes lock files)";
  if (rc == GIT_ENOTFOUND && (klass == GIT_ERROR_ODB || klass == GIT_ERROR_OBJECT))
    return "an object git needs is missing: in a shallow clone 'git fetch --unshallow' fetches "
           "the rest of the history; otherwise 'git fsck' says what is damaged";
  if (klass == GIT_ERROR_ZLIB || klass == GIT_ERROR_INDEX || rc == GIT_EINVALID)
    return "the repository looks damaged: 'git fsck' says what is wrong";
  return "'git status' and 'git fsck' say what git itself makes of the repository";
}

/// Throws Error(exit 3) "WHAT: <libgit2's message>", with error_hint(), when rc < 0; returns rc
/// otherwise.
inline int check(int rc, const std::string& what) {
  if (rc < 0) throw io_error(what + ": " + last_error_message(), error_hint(rc));
  return rc;
}

/// Initialises libgit2 once for the process (its global state lives until exit).
void ensure_init();

std::string to_hex(const git_oid& oid);
/// Parses a 40-digit hex id; throws on a malformed one (a programming error upstream).
git_oid to_oid(const std::string& hex);

}  // namespace persona::git
