#pragma once
/// A persistent map from git blob ids to a short value computed from the blob's bytes (the pid a
/// persona file declares), so that finding a persona by pid at a commit reads the trees, not
/// every persona file. A blob id names its content for good, so an entry can never go stale; the
/// file is also tied to the program's identity, so a value computed by another build (whose
/// parser may differ) is never used. Like the validation cache (cache.h), a missing, foreign or
/// corrupt file is an empty cache and failing to write it is silent: the cache can make a command
/// faster, never change its result or make it fail.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace persona {

class BlobValueCache {
 public:
  /// A disabled cache: every lookup misses, save() writes nothing.
  BlobValueCache() = default;
  /// Reads the cache of values of kind `kind` ("scan-pid") for the repository whose common git
  /// directory is `repository` from the folder `dir` ("" = disabled, as cache::default_dir()
  /// gives when caching is off). Never throws.
  static BlobValueCache open(const std::filesystem::path& dir, std::string_view kind,
                             const std::filesystem::path& repository);

  bool enabled() const { return !file_.empty(); }
  /// The value stored for this blob id, if any.
  const std::string* find(const std::string& blob) const;
  /// Remembers a value (values with a line break are not stored).
  void put(const std::string& blob, std::string value);
  /// Writes the file (atomically) when something was added. Errors are ignored.
  void save() const;

 private:
  std::filesystem::path file_;
  std::string header_;
  std::unordered_map<std::string, std::string> values_;
  bool changed_ = false;
};

}  // namespace persona
