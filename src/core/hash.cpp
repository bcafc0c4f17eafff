#include "core/hash.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace persona {

void Sha1::Free::operator()(evp_md_ctx_st* c) const { EVP_MD_CTX_free(c); }

Sha1::Sha1() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("OpenSSL cannot compute SHA-1");
}

void Sha1::update(std::string_view data) { EVP_DigestUpdate(ctx_.get(), data.data(), data.size()); }

std::string Sha1::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_.get(), md, &n);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * static_cast<std::size_t>(n));
  for (unsigned i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

Sha1 blob_hasher(std::uint64_t size) {
  Sha1 h;
  std::string head = "blob " + std::to_string(size);
  h.update(std::string_view(head.data(), head.size() + 1));  // with the NUL
  return h;
}

std::string blob_id(std::string_view data) {
  Sha1 h = blob_hasher(data.size());
  h.update(data);
  return h.hex();
}

}  // namespace persona
