#pragma once
/// The contribution workflow: a request from `persona contribute` or `persona apply` turned into
/// one new commit on a new branch of the library's git repository, through the git layer,
/// without touching the working tree, the index or HEAD. It sits above library/ (which makes the
/// contribution, a pure function of a file's text) and git/ (which writes objects and refs),
/// and below cli/.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "library/contribution.h"
#include "schema/schema.h"

namespace persona {

/// Everything `contribute` and `apply` need, made explicit so tests control clock and identity.
struct ContributeOptions {
  std::filesystem::path library_root;  ///< where library.yaml is (inside a git working tree)
  ContributionRequest request;         ///< author "" = from git (see below)
  std::string branch;                  ///< "" = default_branch_name()
  std::string base;                    ///< revision to build on; "" = HEAD
  std::optional<std::string> push;     ///< push after committing; "" = the default remote
  bool dry_run = false;
  std::string branch_prefix = "contrib";
  bool require_note = false;
  std::shared_ptr<const schema::Schema> persona_schema;
  /// Record time (2026-11-28T17:30:00Z); also the commit times unless the dates below are set.
  std::string now;
  /// Environment the git way: GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL, GIT_AUTHOR_DATE,
  /// GIT_COMMITTER_NAME, GIT_COMMITTER_EMAIL, GIT_COMMITTER_DATE. Returns null when unset.
  std::function<const char*(const char*)> getenv;
  /// Where to keep the pid each persona blob declares (blob_cache.h), so finding the persona at
  /// the base commit reads one file instead of all; "" = no cache (same results, slower).
  std::filesystem::path cache_dir;
  /// Stop once the request's problems are known (contribution.problems), writing and reporting
  /// nothing else: for `apply`, when the request file has problems of its own.
  bool problems_only = false;
};

struct ContributeResult {
  std::string branch;
  std::string base_commit;
  std::string commit;              ///< "" for a dry run
  std::vector<std::string> files;  ///< paths written, relative to the top of the repository
  std::string remote;              ///< the remote pushed to, or that the push command names
  std::string push_command;        ///< e.g. git push -u origin contrib/APP-153/confirm-...
  bool pushed = false;
  Contribution contribution;
  /// The same contribution is recorded already (same pid, kind, field, text and author; for a
  /// confirmation, of the same value) at the base commit or on a contribution branch: refused,
  /// nothing written. The message names the record's file and where it is.
  std::optional<RequestProblem> already_recorded;
  /// "personas/x.yaml has uncommitted changes; ...": the working tree's persona differs from the
  /// base commit's (only said when the base is HEAD).
  std::vector<std::string> warnings;
  /// Pending contributions to the same field on other branches, and what lists them.
  std::vector<std::string> notes;
  std::string notes_hint;
};

/// Opens the repository around `library_root`, reads the persona at the base commit, applies the
/// request, and (unless a dry run) writes one commit on a new branch. Checks everything that can
/// be checked before writing: repository (ownership, unborn HEAD), base, identity, branch name
/// free and valid, lock files; throws persona::Error naming the problem when one fails.
/// A request that does not fit (contribution.problems: every problem of the request on its own,
/// an unknown pid and a field path the persona does not have, with "did you mean"), a persona
/// that does not validate before or after the change (contribution.diagnostics) or a contribution
/// already recorded (already_recorded) is returned with nothing written; check
/// result.contribution.ok() and already_recorded. Contribution branches: the local and
/// remote-tracking branches under `branch_prefix` (pending_records in git/pending.h).
///
/// Identity: the record's author is request.author, else GIT_AUTHOR_NAME, else git config
/// user.name (missing: Error with the hint `git config user.name "Your Name"`). The commit's author
/// email is GIT_AUTHOR_EMAIL or user.email (a placeholder <slug>@users.noreply.persona when there
/// is none, or when request.author names someone else); it never enters the record.
ContributeResult contribute(const ContributeOptions& o);

/// What `contribute` and `apply` print for a result that was committed (or, for a dry run, would
/// be): "branch: ...", "commit: ...", "wrote: FILE" per file, then "push: git push -u REMOTE
/// BRANCH" (or "pushed: REMOTE BRANCH"). A dry run shows the record, the value before and after,
/// and ends with "dry run: nothing written".
std::string describe_result(const ContributeResult& r, bool dry_run);

}  // namespace persona
