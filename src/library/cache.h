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
/// FileSummary): its own diagnostics, its `pid` entry and the pids it mentions for the rules across
/// files, and the shape of its fields for the contribution records' rules. Texts and trees are not
/// kept.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "core/posix.h"
#include "library/library.h"
#include "library/records.h"
#include "library/rules.h"
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
  /// The tree reduced to its `pid` entry (a value that is not a scalar without its children), in a
  /// mapping as the file's root is: what library_rules() reads of a file besides its mentions, and
  /// the pid a lean load is asked for. Unset when the YAML did not parse.
  std::optional<yaml::Node> head;
  Mentions mentions;  ///< mentions_of() the file
  /// The shape of the persona for the records' rules: per profile field -1 absent, -2 present as
  /// text, or the item count of a list.
  std::vector<int> fields;
};

/// Reduces a checked file (with its tree and text) to its summary, moving the diagnostics.
FileSummary summarize(PersonaFile& f);
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
  /// One file's entry: the file's path, the hash of the content it was computed from, the file's
  /// stamp then, and the entry as stored (encode()'s bytes). Views of the cache file as read.
  struct Entry {
    std::string_view path;
    Digest digest;
    Stamp stamp;
    std::string_view bytes;
  };

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

  /// The entry for the file at `path`, or nullptr. Its summary holds for the file when the
  /// file's stamp (not empty) is the entry's, or its content hash is. `hint` is where the entry
  /// likely is, looked at first: a load saves the entries in the order it lists the files, so
  /// the file's place in the listing when the library has not gained or lost a file since.
  const Entry* persona_entry(std::string_view path, std::size_t hint = 0) const;
  const Entry* record_entry(std::string_view path, std::size_t hint = 0) const;

  /// The summary an entry holds; nullopt when its bytes are not a well-formed persona entry.
  static std::optional<FileSummary> persona(const Entry& e);
  /// The record summary an entry holds, if it holds at `now`: an entry checked at an earlier `now`
  /// is reused only when it did not depend on the time (no record-time problem), and `now` has not
  /// gone backwards since. nullopt too when the bytes are not a well-formed record entry.
  static std::optional<RecordSummary> record(const Entry& e, const std::string& now);

  /// Serialized entries for the next save(), one per file in the order given.
  static std::string encode(const std::string& path, const Digest& d, const Stamp& stamp,
                            const FileSummary& s);
  static std::string encode(const std::string& path, const Digest& d, const Stamp& stamp,
                            const RecordSummary& s);

  /// Replaces the cache file with these entries (empty ones skipped) when `changed`.
  /// Atomic (temporary file and rename); errors are ignored.
  void save(const std::vector<std::string_view>& personas,
            const std::vector<std::string_view>& records, bool changed) const;

 private:
  std::filesystem::path file_;
  std::string header_;  ///< what a valid cache file must start with (before the key)
  std::uint64_t k0_ = 0, k1_ = 0;
  /// The cache file as read, which the entries and their keys view: a buffer that is not
  /// zero-filled first (it is megabytes) and that keeps its place when the Cache moves.
  std::unique_ptr<char[]> data_;
  /// Sorted by path (as saved; sorted again if a file says otherwise), for a binary search.
  std::vector<Entry> personas_, records_;
};

}  // namespace persona::cache
