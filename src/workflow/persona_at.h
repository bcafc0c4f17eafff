#pragma once
/// A persona as it is at a commit, not in the working tree: what `contribute` builds on (the
/// base commit) and what `history --rev` reads.
#include <filesystem>
#include <string>
#include <vector>

#include "git/repository.h"
#include "library/library.h"

namespace persona {

/// The persona file `pid` names at `commit`.
struct PersonaAt {
  std::string path;               ///< relative to the library root; "" when no file has the pid
  std::string text;               ///< its bytes at the commit
  std::vector<std::string> pids;  ///< every pid seen, for "did you mean"
};

/// The first persona file under personas/ of the library at `prefix` (its path from the top of
/// the repository, "" at the top), in listing order, whose pid (read as validate reads it, with
/// yaml::parse_keys) is `pid`. The pid each blob declares comes from the cache in `cache_dir`
/// when it has been read before (a blob id names its content for good), else from the working
/// tree's file when git would call it unchanged and the index holds that very blob (reading a file
/// is far cheaper than inflating a blob), else from the blob. "" = no cache (same results).
PersonaAt find_persona_at(const git::Repository& repo, const git::ObjectId& commit,
                          const std::string& prefix, const std::string& pid,
                          const std::filesystem::path& cache_dir);

/// For `history --rev`: a library holding the persona `pid` as it is at `commit` (checked on its
/// own against `persona_schema`: the rules across files need the whole library) and its records
/// there (records_at), with `root` = `library_root`. Throws Error: exit 2 "unknown persona 'PID'
/// at 'REV'" (with "did you mean"), exit 1 when the file at the commit has problems.
Library load_persona_at(const git::Repository& repo, const git::ObjectId& commit,
                        const std::string& rev, const std::filesystem::path& library_root,
                        const std::string& pid, const schema::Schema& persona_schema,
                        const std::filesystem::path& cache_dir);

}  // namespace persona
