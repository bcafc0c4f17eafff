#include "render/stream_state.h"

#include <charconv>
#include <string>

namespace persona::render::streaming {

void put(std::string& s, std::string_view v) {
  s += std::to_string(v.size());
  s += ':';
  s += v;
}

// The state kept beside the manifest: length-prefixed fields.

namespace {

bool get(std::string_view& in, std::string_view& v) {
  std::size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 12) return false;
  std::uint64_t n = 0;
  for (char c : in.substr(0, colon)) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > in.size() - colon - 1) return false;
  v = in.substr(colon + 1, n);
  in.remove_prefix(colon + 1 + n);
  return true;
}

bool get(std::string_view& in, std::string& v) {
  std::string_view s;
  if (!get(in, s)) return false;
  v = s;
  return true;
}

bool get(std::string_view& in, std::uint64_t& v) {
  std::string_view s;
  if (!get(in, s) || s.empty() || s.size() > 19) return false;
  v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

bool get(std::string_view& in, std::vector<std::string>& v) {
  std::uint64_t n;
  if (!get(in, n) || n > in.size()) return false;
  v.resize(n);
  for (auto& x : v)
    if (!get(in, x)) return false;
  return true;
}

}  // namespace

std::string encode_state(const std::vector<Item>& items, const std::vector<Persona>& personas,
                         const std::vector<std::uint64_t>& shard_sizes, const std::string& shared) {
  std::string s(kStateHeader);
  // Sized first: one allocation for what can be several megabytes.
  std::size_t size = s.size() + 32 + 24 * shard_sizes.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const Persona& p = personas[i];
    size += std::size_t{20} * 9 + p.file.size() + it.hash.size() + p.pid.size() + p.name.size() +
            p.app.size() + p.category.size() + it.card.excerpt.size() + it.card.aha.size() +
            it.search_key.size() + it.page_key.size() + it.list_digest.size();
    for (const auto& t : p.tags) size += 8 + t.size();
    for (const auto& m : it.mentions) size += 8 + m.size();
  }
  s.reserve(size);
  put(s, std::to_string(shard_sizes.size()));
  for (std::uint64_t n : shard_sizes) put(s, std::to_string(n));
  put(s, shared);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const Persona& p = personas[i];
    put(s, p.file);
    put(s, it.hash);
    for (std::uint64_t v :
         {it.stamp.size, it.stamp.mtime_ns, it.stamp.ctime_ns, it.stamp.ino, it.stamp.dev})
      put(s, std::to_string(v));
    put(s, p.pid);
    put(s, p.name);
    put(s, p.app);
    put(s, p.category);
    put(s, std::to_string(p.tags.size()));
    for (const auto& t : p.tags) put(s, t);
    put(s, std::to_string(it.mentions.size()));
    for (const auto& m : it.mentions) put(s, m);
    put(s, it.card.excerpt);
    put(s, it.card.aha);
    put(s, it.search_key);
    put(s, it.page_key);
    put(s, it.list_digest);
    put(s, std::to_string(it.shard));
    put(s, std::to_string(it.off));
    put(s, std::to_string(it.len));
  }
  return s;
}

/// The previous export's items by file, with the size of each of its search shards and the
/// digest of its shared inputs; nothing when the state is missing or damaged.
std::unordered_map<std::string, Item> decode_state(std::string_view in,
                                                   std::vector<std::uint64_t>& shard_sizes,
                                                   std::string& shared) {
  std::unordered_map<std::string, Item> out;
  if (in.substr(0, kStateHeader.size()) != kStateHeader) return out;
  in.remove_prefix(kStateHeader.size());
  std::uint64_t shards = 0;
  if (!get(in, shards) || shards == 0 || shards > in.size()) return out;
  shard_sizes.resize(shards);
  for (auto& n : shard_sizes)
    if (!get(in, n)) return {};
  if (!get(in, shared)) return {};
  while (!in.empty()) {
    Item it;
    Stamp& st = it.stamp;
    if (!get(in, it.light.file) || !get(in, it.hash) || !get(in, st.size) ||
        !get(in, st.mtime_ns) || !get(in, st.ctime_ns) || !get(in, st.ino) || !get(in, st.dev) ||
        !get(in, it.light.pid) || !get(in, it.light.name) || !get(in, it.light.app) ||
        !get(in, it.light.category) || !get(in, it.light.tags) || !get(in, it.mentions) ||
        !get(in, it.card.excerpt) || !get(in, it.card.aha) || !get(in, it.search_key) ||
        !get(in, it.page_key) || !get(in, it.list_digest) || !get(in, it.shard) ||
        !get(in, it.off) || !get(in, it.len) || it.shard >= shards)
      return {};
    it.known = true;
    it.entry = Item::Entry::kOld;
    std::string file = it.light.file;
    out.emplace(std::move(file), std::move(it));
  }
  return out;
}

}  // namespace persona::render::streaming
