#pragma once
/// Library rules: what a JSON Schema cannot express. Each rule has a stable code:
///   path-mismatch, name-app-mismatch, app-slug, legacy-format, template-text, truncated-text,
///   jtbd-form, duplicate-item, empty-string (per file); duplicate-pid, unresolved-reference
///   (across files).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "library/library.h"

namespace persona {

/// Rules that look at one parsed file. `check_path` is false for loose files.
std::vector<Diagnostic> file_rules(const PersonaFile& f, bool check_path);

/// The pids a persona file's strings mention ("APP-123"), other than its own, each with where it
/// is and the label a message gives it ("goals[3]"): all that the rule for references across files
/// needs of a file besides its pid. Small enough for the validation cache to keep, so that an
/// unchanged file need not be parsed again for that rule. Flat, in one buffer: a library has
/// tens of thousands of mentions, and an allocation for each cost more than checking them.
class Mentions {
 public:
  struct Item {
    std::string_view pid;
    yaml::Mark at;
    std::string_view label;
  };
  void add(std::string_view pid, yaml::Mark at, std::string_view label);
  bool empty() const { return data_.empty(); }
  /// fn(const Item&) for each mention, in the order they were added.
  template <typename Fn>
  void each(Fn&& fn) const {
    Item item;
    for (std::size_t at = 0; next(data_, at, item);) fn(item);
  }
  /// The serialized form, for the cache; from_bytes() reads it back.
  const std::string& bytes() const { return data_; }
  /// The mentions serialized as `bytes`, or nullopt when those are not well formed (a damaged
  /// cache): every length within the bytes, nothing left over.
  static std::optional<Mentions> from_bytes(std::string_view bytes);

 private:
  /// Reads the mention at `at` into `item` and moves past it; false at the end or on bytes that
  /// are not a whole mention.
  static bool next(std::string_view data, std::size_t& at, Item& item);
  std::string data_;
};

/// The mentions of other pids in a parsed file's strings (none when it did not parse).
Mentions mentions_of(const PersonaFile& f);

/// Rules across the library (duplicate pids, references to pids that do not exist), from each
/// file's `pid` entry and its mentions (`mentions[i]` of `files[i]`, as mentions_of() gives them).
std::vector<Diagnostic> library_rules(const std::vector<PersonaFile>& files,
                                      const std::vector<Mentions>& mentions);
/// As above, with the mentions taken from the files' trees.
std::vector<Diagnostic> library_rules(const std::vector<PersonaFile>& files);

/// Where `needle` first occurs inside the source of `node`, or the node's own position.
yaml::Mark locate(const std::string& text, const yaml::Node& node, std::string_view needle);

}  // namespace persona
