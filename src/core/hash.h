#pragma once
/// SHA-1 fed in pieces, for the git blob id of a file written in pieces (the search index of a
/// large library is never held whole in memory). git::blob_id hashes a value already in memory.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace persona::render {

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

/// The same as git::blob_id(data), faster: OpenSSL's SHA-1 (with the processor's SHA
/// instructions where there are some) rather than libgit2's, which detects collision attacks,
/// which nothing here needs: these ids only tell an export's files and inputs apart.
std::string blob_id(std::string_view data);

}  // namespace persona::render
