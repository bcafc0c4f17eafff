#pragma once
/// The validation cache: per-file results of the checks that look at one file at a time, keyed by
/// a hash of the file's content, so that `persona validate` on an unchanged library reads the
/// files and hashes them instead of parsing and checking them again.
///
/// One cache file per library root, outside the repository ($XDG_CACHE_HOME/persona or
/// ~/.cache/persona). An entry is used only when the file's content, the path, the persona and
/// record schemas and the binary (its build id) are all the same as when it was computed; anything
/// else is a miss and the file is checked in full. A missing, unreadable, corrupt or foreign cache
/// is an empty one, and failing to write it is silent: the cache can make a run faster, never
/// change its result or make it fail.
///
/// What an entry holds is what a validation report needs from a file that has been checked (see
/// FileSummary): its own diagnostics, a skeleton of its tree for the rules across files, and the
/// shape of its fields for the contribution records' rules. Texts and full trees are not kept.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "core/posix.h"
#include "library/library.h"
#include "library/records.h"
#include "yaml/tree.h"

namespace persona::cache {

/// Where caches live: $PERSONA_CACHE_DIR, else $XDG_CACHE_HOME/persona, else $HOME/.cache/persona.
/// Empty (no cache) when PERSONA_CACHE is "off" or "0", or when none of those is set.
std::filesystem::path default_dir(const std::function<const char*(const char*)>& getenv);

/// 128-bit keyed content hash (SipHash-2-4-128). The key is random per cache file, so nobody can
/// craft a file that collides with an entry they have not seen.
struct Digest {
  std::uint64_t lo = 0, hi = 0;
  bool operator==(const Digest&) const = default;
};
Digest siphash128(std::string_view data, std::uint64_t k0, std::uint64_t k1);


/// What validation keeps of a checked persona file.
struct FileSummary {
  std::vector<Diagnostic> diagnostics;  ///< from the per-file checks (schema, file rules)
  /// The tree reduced to what library_rules() reads: the `pid` entry and every string that
  /// mentions "APP-", with the mappings and list positions that lead to it (other list items
  /// become null placeholders so item numbers stay right). Unset when the YAML did not parse.
  std::optional<yaml::Node> skeleton;
  /// The source lines those strings span (1-based number, text): enough for rules::locate().
  std::vector<std::pair<int, std::string>> lines;
  /// The shape of the persona for the records' rules: pid, and per profile field
  /// -1 absent, -2 present as text, or the item count of a list.
  std::string pid;
  std::vector<int> fields;
};

/// Reduces a checked file (with its tree and text) to its summary, moving the diagnostics.
FileSummary summarize(PersonaFile& f);
/// A PersonaFile holding the summary: path, diagnostics, skeleton as root, and a text with only
/// the summary's lines (others empty, so line numbers hold). Moves all but `pid` and `fields`.
PersonaFile expand(const std::string& path, FileSummary&& s);
/// A stand-in persona for the records' rules: pid and field shape (FileSummary::fields), empty
/// values.
Persona shape_persona(const std::string& pid, const std::vector<int>& fields,
                      const std::string& path);

/// What validation keeps of a checked contribution record.
struct RecordSummary {
  std::vector<Diagnostic> diagnostics;
  std::optional<Record> record;
  std::string now;  ///< the `now` it was checked against
};

/// The cache of one library. Lookups are safe from several threads; everything else is not.
class Cache {
 public:
  /// Opens (reads) the cache for `root` in `dir`. `context` is everything else results depend on
  /// (the schemas' text); the binary's identity is added here. Never throws.
  static Cache open(const std::filesystem::path& dir, const std::filesystem::path& root,
                    const std::string& context);
  /// A disabled cache: every lookup misses and save() writes nothing.
  Cache() = default;

  bool enabled() const { return !file_.empty(); }
  /// How many entries were read (to tell whether files were removed since).
  std::size_t persona_entries() const { return personas_.size(); }
  std::size_t record_entries() const { return records_.size(); }
  Digest hash(std::string_view text) const { return siphash128(text, k0_, k1_); }

  /// The content hash of the entry for `path` when its stamp is `stamp` (not empty): the file has
  /// not changed since, and need not be read.
  std::optional<Digest> persona_digest(const std::string& path, const Stamp& stamp) const;
  std::optional<Digest> record_digest(const std::string& path, const Stamp& stamp) const;
  /// True when the entry for `path` has this stamp (an entry found by its hash may not).
  bool persona_stamped(const std::string& path, const Stamp& stamp) const;
  bool record_stamped(const std::string& path, const Stamp& stamp) const;

  /// The summary cached for `path` with this content hash, if any.
  std::optional<FileSummary> persona(const std::string& path, const Digest& d) const;
  /// The record summary for `path` with this content hash, if it holds at `now`: an entry checked
  /// at an earlier `now` is reused only when it did not depend on the time (no record-time
  /// problem), and `now` has not gone backwards since.
  std::optional<RecordSummary> record(const std::string& path, const Digest& d,
                                      const std::string& now) const;

  /// Serialized entries for the next save(), one per file in the order given.
  static std::string encode(const std::string& path, const Digest& d, const Stamp& stamp, const FileSummary& s);
  static std::string encode(const std::string& path, const Digest& d, const Stamp& stamp,
                            const RecordSummary& s);
  /// The stored entry for `path` when its hash is `d` (bytes as encode() made them), or "".
  std::string_view persona_bytes(const std::string& path, const Digest& d) const;
  std::string_view record_bytes(const std::string& path, const Digest& d) const;

  /// Replaces the cache file with these entries (empty ones skipped) when `changed`.
  /// Atomic (temporary file and rename); errors are ignored.
  void save(const std::vector<std::string_view>& personas,
            const std::vector<std::string_view>& records, bool changed) const;

 private:
  struct Slot {
    Digest digest;
    Stamp stamp;
    std::size_t offset = 0;  ///< of the entry in data_
    std::size_t size = 0;
  };
  static std::optional<Digest> stamped(const std::unordered_map<std::string, Slot>& table,
                                       const std::string& path, const Stamp& stamp);
  std::filesystem::path file_;
  std::string header_;  ///< what a valid cache file must start with (before the key)
  std::uint64_t k0_ = 0, k1_ = 0;
  std::string data_;    ///< the cache file as read
  std::unordered_map<std::string, Slot> personas_, records_;
};

}  // namespace persona::cache
