#pragma once
/// The streamed site's bookkeeping: what it keeps of each persona file between exports (Item),
/// and the state file that carries it to the next export (length-prefixed fields). Internal to
/// render/stream.cpp.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/posix.h"
#include "library/persona.h"
#include "render/html.h"

namespace persona::render::streaming {

inline constexpr std::string_view kStateHeader = "persona html stream 5\n";

using File = std::unique_ptr<FILE, int (*)(FILE*)>;

/// What the lists, the search index and the page keys need of one persona file.
struct Item {
  std::string hash;       ///< git blob id of the file's bytes
  std::size_t quick = 0;  ///< a cheap hash of them, to notice a change between the two passes
  /// The file's stamp when `hash` was taken (empty when it had changed too recently to be
  /// trusted); `trusted` when this run found it unchanged and so did not read the file.
  Stamp stamp;
  bool trusted = false;
  Persona light;                      ///< file, pid, name, app, category, tags
  bool known = false;                 ///< mentions and card are set (from the state or a parse)
  std::vector<std::string> mentions;  ///< pids its fields mention, sorted
  CardText card;
  std::string search_key;  ///< what its search entry was made from besides the file
  /// Its page's input key and its card's digest for the list pages, as the last export made
  /// them: still right while its bytes and the shared inputs (shared_inputs()) are the same.
  std::string page_key, list_digest;
  /// Where its search entry is: not made yet, in the previous export's search shard `shard`
  /// (old), or in the spool (new); at `off`, `len` bytes.
  enum class Entry { kNone, kOld, kNew } entry = Entry::kNone;
  std::uint64_t shard = 0, off = 0, len = 0;
};

/// Appends `v` to `s` as one length-prefixed field.
void put(std::string& s, std::string_view v);

/// The state for the next export: the shards' sizes, the shared inputs' digest, and every item.
std::string encode_state(const std::vector<Item>& items, const std::vector<Persona>& personas,
                         const std::vector<std::uint64_t>& shard_sizes, const std::string& shared);

/// The previous export's items by file, with the size of each of its search shards and the
/// digest of its shared inputs; nothing when the state is missing or damaged.
std::unordered_map<std::string, Item> decode_state(std::string_view in,
                                                   std::vector<std::uint64_t>& shard_sizes,
                                                   std::string& shared);

}  // namespace persona::render::streaming
