#pragma once
/// Content ids, the one hashing helper: git's blob id (SHA-1 of "blob <size>\0" + data), for
/// record ids and value hashes, export file ids and short stable slugs. Sha1 is fed in pieces,
/// for a file written in pieces (the search index of a large library is never held whole).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace persona {

class Sha1 {
 public:
  Sha1();
  void update(std::string_view data);
  /// 40 lowercase hex digits; the hasher is spent afterwards.
  std::string hex();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* c) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

/// git's blob id of `size` bytes fed to the returned hasher after this header.
Sha1 blob_hasher(std::uint64_t size);

/// git's blob id of `data` (40 hex digits), as `git hash-object --stdin` prints it. OpenSSL's
/// SHA-1 (with the processor's SHA instructions where there are some) rather than libgit2's,
/// which detects collision attacks: these ids tell contents apart, git never reads them.
std::string blob_id(std::string_view data);

}  // namespace persona
