#pragma once
/// The contribution history of one persona (`persona history`): the records under
/// contributions/<pid>/, grouped by field, each tied to the commit that added it.
///
/// Commits are found with Repository::files_added_under(), which compares only the tree id of
/// contributions/<pid>/ between each commit and its parents, so the cost does not grow with the
/// rest of the tree (a library with 20,000 commits stays fast).
#include <optional>
#include <string>
#include <vector>

#include "git/pending.h"
#include "git/repository.h"
#include "library/fields.h"
#include "library/library.h"
#include "library/records.h"

namespace persona {

struct HistoryEntry {
  Record record;
  std::string commit;          ///< the commit that added the record file; "" if not committed
  std::string commit_summary;  ///< its first line
  /// For a confirmation: true when it confirmed the value the field has now.
  bool current_value = false;
  /// For an earlier confirmation: the id of the correction or extension that replaced the value
  /// it confirmed, when a record says so ("" otherwise).
  std::string replaced_by;
  /// For a pending contribution: the branches that have it; `commit` is then the first one's tip.
  std::vector<std::string> branches;
};

struct FieldHistory {
  std::string field;       ///< a top-level field, or one item when filtered by goals[2]
  FieldActivity activity;  ///< as compute_activity() counts it
  std::string first_activity;
  std::vector<HistoryEntry> entries;  ///< oldest first
};

struct PersonaHistory {
  std::string pid;
  std::string name;
  std::string head;                    ///< the commit history was read from ("" if none)
  bool pending = false;                ///< the contributions not merged into `head`
  std::vector<FieldHistory> fields;    ///< profile order; only fields with contributions,
                                       ///< or the one asked for
  std::vector<HistoryEntry> comments;  ///< comments on the whole persona, oldest first
  int total = 0;
  std::set<std::string> contributors;
  std::string first_activity, last_activity;
};

/// The history of `p` from the library's records (as in the working tree) and the commits of
/// `repo` reachable from HEAD (none when `repo` is null or HEAD is unborn). A record whose file
/// differs from HEAD's or is not in it has an empty commit. With `only`, just that field (a
/// top-level field: every record on it and its items; an item: that item's records).
/// With `rev` (a commit), the library is as it is at that commit (workflow's load_persona_at):
/// the commits are those reachable from it, and every record is its own.
PersonaHistory persona_history(const Library& lib, const Persona& p, const git::Repository* repo,
                               const std::optional<FieldPath>& only = std::nullopt,
                               const std::string& rev = "");

/// The pending contributions to `p` (pending_records() against `head`), as a history: each entry
/// with its branches and the first one's tip as its commit.
PersonaHistory pending_history(const Persona& p, const std::vector<BranchRecord>& pending,
                               const git::Repository& repo, const std::string& head,
                               const std::optional<FieldPath>& only = std::nullopt);

/// Text for people: a summary line, then per field its figures and contributions.
std::string history_text(const PersonaHistory& h);
/// The JSON document of `history --format json` (keys as in the struct, documented in --help).
std::string history_json(const PersonaHistory& h);

}  // namespace persona
