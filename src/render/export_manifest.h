#pragma once
/// The export's manifest (.persona-export.json): what the previous export wrote, read back
/// quickly (one line per file, in path order, parsed without a JSON tree when it has exactly the
/// shape ManifestWriter writes), and written for the next one. Internal to the export.
#include <cstdint>
#include <deque>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "render/export.h"

namespace persona::render::exporting {

inline constexpr int kManifestFormat = 3;

/// One file as an export recorded it. The strings are views: into the manifest's text for the
/// previous export's files, into the writer's own records for the files it makes.
struct Entry {
  std::string_view path;
  std::string_view blob;  ///< git blob id of its bytes
  FileStat stat;
  std::string_view key;  ///< input key, "" for none
};

/// What the previous export left: whether there is one, its files, and its state. Its entries
/// point into `text` and `owned`, so it stays where read_previous() fills it.
struct Previous {
  Previous() = default;
  Previous(const Previous&) = delete;
  Previous& operator=(const Previous&) = delete;

  bool found = false;  ///< a manifest is there (of any format, even damaged)
  std::uint64_t written_ns =
      0;                     ///< the manifest's mtime: a file as new as it may have changed since
  std::vector<Entry> files;  ///< sorted by path, each path once
  std::string state;
  std::string text;               ///< the manifest
  std::deque<std::string> owned;  ///< strings the general parser unescaped
};

/// What a manifest of the current format says.
struct Manifest {
  std::string_view renderer;
  std::uint64_t state_size = 0;  ///< 0: no state
  std::string_view state_hash;
  std::vector<Entry> files;  ///< sorted by path, each path once
};

/// A 64-bit hash that tells a state file from another (not one made to collide), at about the
/// speed of memory: XXH3 (Debian's libxxhash).
std::string hash_text(std::string_view data);

/// Reads a manifest in exactly the shape ManifestWriter writes it, byte for byte (one line per
/// file, in path order), without building a JSON tree and without copying a string: the entries
/// point into `s`. False for anything else, which the general parser then reads.
bool parse_manifest_fast(std::string_view s, Manifest& m);

/// Reads a manifest of the current format with a JSON parser, keeping the strings it unescapes
/// in `owned`; false when it is not one.
bool parse_manifest_json(const std::string& text, Manifest& m, std::deque<std::string>& owned);

/// Fills `prev` with the previous export in `out`. A damaged, foreign or older manifest still
/// marks an export; it just lists nothing, so everything is made again. Keys and the state are
/// used only when the same program made them, and the state only when it is the very one the
/// manifest describes.
void read_previous(const std::filesystem::path& out, Previous& prev);

/// Writes a manifest: the renderer, then the state (if any), then every file in path order, one
/// per line with its key on it, so it stays readable and quick to parse.
class ManifestWriter {
 public:
  ManifestWriter(std::string_view renderer, std::size_t files_hint);
  /// The state file's bytes (its size and hash are recorded); before any file.
  void state(std::string_view bytes);
  void file(const Entry& e);
  std::string finish();

 private:
  std::string text_;
  bool first_ = true;
};

/// Finds a previous export's file by its path: an open-addressing table of positions in the
/// list, built once, read from every thread without a lock.
class PathIndex {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  explicit PathIndex(const std::vector<Entry>& entries) : entries_(entries) {
    std::size_t size = 16;
    while (size < entries.size() * 2) size *= 2;
    slots_.assign(size, 0);
    mask_ = size - 1;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      std::size_t s = slot(entries[i].path);
      while (slots_[s] != 0) s = (s + 1) & mask_;
      slots_[s] = static_cast<std::uint32_t>(i + 1);
    }
  }

  /// The position of `path` in the list, or kNone.
  std::size_t find(std::string_view path) const {
    if (entries_.empty()) return kNone;
    for (std::size_t s = slot(path); slots_[s] != 0; s = (s + 1) & mask_)
      if (entries_[slots_[s] - 1].path == path) return slots_[s] - 1;
    return kNone;
  }

 private:
  std::size_t slot(std::string_view path) const {
    std::size_t h = std::hash<std::string_view>{}(path);
    return h & mask_;
  }

  const std::vector<Entry>& entries_;
  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
};

}  // namespace persona::render::exporting
