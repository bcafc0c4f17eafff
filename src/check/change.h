#pragma once
/// Judging a pull request: the change from the merge base of a base revision and HEAD to HEAD,
/// read from git objects (never the working tree), against the rules of a community library:
/// records are only added, pids are permanent and unique across branches, corrections and
/// extensions are made against the base's current value and agree with the persona file, and a
/// persona file changes only with a record.
#include <filesystem>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "schema/schema.h"

namespace persona::check {

struct ChangeOptions {
  std::string base;                 ///< the base revision as given, e.g. "origin/main"
  bool allow_direct_edits = false;  ///< maintainers: persona edits without records pass
  /// Where to keep the pid each persona blob declares (library/blob_cache.h), so the pids at
  /// the commits compared are read from the trees; "" = no cache (same results, slower).
  std::filesystem::path cache_dir;
};

/// What the change was judged between, and what it touched.
struct ChangeSummary {
  std::string base;         ///< the revision as given
  std::string base_commit;  ///< what it resolved to
  std::string merge_base;
  std::string head;  ///< the pull request's head
  /// When HEAD was the merge of the pull request into the base (parents: base, head), HEAD's id;
  /// the change judged is then the one from the merge base to the merge's second parent.
  std::string merge_commit;
  std::size_t changed_files = 0;  ///< files under the library root that differ
  /// Persona files added, modified or renamed by the change (paths relative to the library
  /// root, as they are at HEAD): the files `fmt --check` looks at.
  std::vector<std::string> touched_persona_files;
};

struct ChangeReport {
  ChangeSummary summary;
  std::vector<Diagnostic> diagnostics;  ///< sorted
};

/// Judges HEAD against `options.base` in the git repository holding `library_root` (which may
/// be a subdirectory of it). Diagnostics name files relative to the library root.
///
/// Throws persona::Error (exit 3) when the repository cannot give a certain answer: no
/// repository, an unborn HEAD, a base that does not resolve (naming the `git fetch` that brings
/// it), histories with no common ancestor, or a shallow clone that lacks the merge base or the
/// commits leading to it (naming the exact `git fetch` command that repairs it).
ChangeReport judge_change(const std::filesystem::path& library_root, const ChangeOptions& options,
                          const schema::Schema& persona_schema);

}  // namespace persona::check
