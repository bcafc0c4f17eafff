#include "git/hash.h"

#include <git2.h>

#include "core/error.h"

namespace persona::git {

std::string blob_id(std::string_view data) {
  static const int init = git_libgit2_init();
  (void)init;
  git_oid oid;
  if (git_odb_hash(&oid, data.data(), data.size(), GIT_OBJECT_BLOB) != 0) {
    const git_error* e = git_error_last();
    throw io_error(std::string("cannot hash a value: ") + (e ? e->message : "unknown libgit2 error"));
  }
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

}  // namespace persona::git
