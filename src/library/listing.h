#pragma once
/// Finding a library's files: the persona files under personas/ and the contribution records
/// under contributions/, relative to the library root and sorted, each with its stat stamp when
/// the validation cache wants it.
///
/// A warm load of a large library does little else than this (every file is known unchanged from
/// its stamp), so it is done with one readdir per directory, the folders right under the top one
/// listed in parallel, and each file stamped while its directory is open: the kernel then looks
/// up one name rather than walking the file's whole path again.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/posix.h"

namespace persona {

struct ListOptions {
  bool stamp = false;     ///< take each file's stamp (stamp_of()'s rules)
  std::uint64_t now = 0;  ///< the clock the stamps are judged by, in nanoseconds since the epoch
  unsigned jobs = 0;      ///< threads; 0 = one per core
};

struct Listing {
  std::vector<std::string> paths;  ///< relative to the root, '/'-separated, sorted
  std::vector<Stamp> stamps;       ///< with ListOptions::stamp, one per path
};

/// The persona files (*.yaml, *.yml) under <root>/personas, in folders 9 levels down at most, as
/// std::filesystem's recursive iterator with skip_permission_denied would find them: folder
/// symlinks are not followed, a symlinked file is listed where it leads.
Listing list_personas(const std::filesystem::path& root, const ListOptions& o = {});

/// The record files under <root>/contributions (<pid>/<file>.yaml), in folders 3 levels down at
/// most, found as list_personas() finds persona files; when contributions/ is itself a symlink,
/// every path is where it leads.
Listing list_records(const std::filesystem::path& root, const ListOptions& o = {});

}  // namespace persona
