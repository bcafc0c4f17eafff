#pragma once
/// The PATH arguments of validate, fmt and migrate, resolved one way: those inside the library
/// become library-relative prefixes (a file or a folder), the others are persona files outside
/// any library (a folder stands for its .yaml and .yml files).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace persona::cli {

class Runtime;

struct PathArgs {
  /// The library around the arguments (or the current directory), if there is one.
  std::optional<std::filesystem::path> root;
  std::vector<std::string> prefixes;           ///< library-relative; "" is the whole library
  std::vector<std::filesystem::path> outside;  ///< files outside the library, sorted
  bool none = true;                            ///< no PATH was given: the whole library

  /// Whether a library-relative path is under one of the arguments (any, when none were given).
  bool selects(const std::string& rel) const;
  /// Whether the library itself is wanted (no arguments, or one inside it).
  bool wants_library() const { return root && (none || !prefixes.empty()); }
};

/// Resolves the arguments; a path that does not exist is an I/O error (exit 3) naming it. With
/// no arguments, or with --repo, the library is required (as Runtime::root()).
PathArgs resolve_path_args(Runtime& rt, const std::vector<std::string>& paths);

/// A persona file to rewrite: as shown to the user, its path, and its path relative to the
/// library ("" outside it).
struct FileArg {
  std::string shown;
  std::filesystem::path abs;
  std::string rel;
};

/// The persona files the arguments name: the library's own under its prefixes (a file given by
/// name even when the listing would not hold it), then those outside it.
std::vector<FileArg> persona_file_args(const PathArgs& args);

}  // namespace persona::cli
