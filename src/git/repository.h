#pragma once
/// The git layer: every libgit2 call of the project lives under src/git/ and nowhere else.
/// Repository's members are defined in three files: repository.cpp (opening, ownership, HEAD,
/// revisions, configuration), trees.cpp (reading trees, blobs and commits) and branches.cpp
/// (writing a commit, a branch, a push).
///
/// `Repository` owns a libgit2 repository handle (RAII; move-only) and offers what the commands
/// need, in git's own terms but with plain C++ types: object ids are 40-digit hex strings, paths
/// are '/'-separated and relative to the top of the tree. Every failure of a libgit2 call is
/// thrown as persona::Error (exit code 3) with the library's own last error message attached;
/// "not found" answers that are ordinary (a path absent at a commit, a revision that does not
/// resolve when asked with try_) are values (std::optional), not exceptions.
///
/// Writing never touches the working tree, the index or HEAD: write_commit() puts blobs, trees
/// and a commit into the object database, and create_branch() adds a new ref with
/// compare-and-swap (it fails if the ref exists or is locked).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct git_repository;

namespace persona::git {

/// A full object id: 40 lowercase hex digits.
using ObjectId = std::string;

/// Who and when, as in a commit header. `time` is seconds since the epoch (UTC) and
/// `offset_minutes` the time zone the date was written in.
struct Signature {
  std::string name;
  std::string email;
  std::int64_t time = 0;
  int offset_minutes = 0;
};

struct CommitInfo {
  ObjectId id;
  std::string summary;  ///< first paragraph of the message, joined on one line (git's summary)
  std::string message;  ///< the whole message
  Signature author;
  Signature committer;
  std::vector<ObjectId> parents;
};

/// How a path differs between two commits (a type change counts as modified).
enum class ChangeStatus { kAdded, kModified, kDeleted, kRenamed };
/// "added", "modified", "deleted", "renamed".
const char* change_status_name(ChangeStatus s);

struct ChangedPath {
  ChangeStatus status = ChangeStatus::kModified;
  std::string path;      ///< the path in the newer tree ("" never; for deletions the old path)
  std::string old_path;  ///< the path in the older tree (== path unless renamed; "" if added)
  ObjectId old_id;       ///< blob id in the older tree ("" if added)
  ObjectId new_id;       ///< blob id in the newer tree ("" if deleted)
};

struct TreeEntry {
  std::string name;  ///< file or directory name (no slashes)
  ObjectId id;
  bool is_tree = false;
};

/// A file (blob, symbolic links included) found by Repository::list_blobs.
struct BlobEntry {
  std::string path;  ///< '/'-separated, from the top of the tree
  ObjectId id;       ///< the blob's id
};

/// One file a commit sets (added or replaced) relative to its parent's tree.
struct FileWrite {
  std::string path;     ///< '/'-separated, relative to the top of the tree
  std::string content;  ///< bytes of the blob
};

struct CommitRequest {
  ObjectId parent;  ///< the commit the new one builds on (its tree is the baseline); "" = a root
                    ///< commit on the empty tree
  std::vector<FileWrite> files;
  std::vector<ObjectId>
      merge_parents;  ///< further parents, for a merge commit (tree: parent's + edits)
  std::vector<std::string> removals;  ///< paths to delete from the baseline (files only)
  std::string message;                ///< full message; a final newline is added if missing
  Signature author;
  Signature committer;
};

/// A record of which commit first added a file under a directory (see files_added_under).
struct FileAddition {
  std::string path;  ///< full path, e.g. contributions/APP-153/20261128T173000Z-0123abcd4567.yaml
  ObjectId blob;     ///< the blob id of the file as added
  ObjectId commit;   ///< the commit that introduced it (present there, absent in every parent)
};

class Repository {
 public:
  /// Opens the repository containing `start`, searching upward like git (a .git directory or
  /// file, or a bare repository). Throws Error (exit 3):
  ///   "not a git repository (or any parent up to /): 'DIR'"  when there is none,
  ///   "repository 'DIR' is owned by another user" with the hint
  ///   "git config --global --add safe.directory DIR" when libgit2's ownership check refuses it.
  static Repository discover(const std::filesystem::path& start);
  /// Opens exactly `dir` (a working tree's top or a git directory); same errors as discover().
  static Repository open(const std::filesystem::path& dir);
  /// Creates a new, empty repository at `dir` (like `git init -b BRANCH [--bare]`), for tests and
  /// tools; HEAD is the unborn `initial_branch`.
  static Repository init(const std::filesystem::path& dir, std::string_view initial_branch = "main",
                         bool bare = false);

  Repository(Repository&&) noexcept;
  Repository& operator=(Repository&&) noexcept;
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;
  ~Repository();

  /// Top of the working tree (empty for a bare repository).
  std::filesystem::path workdir() const;
  /// The git directory (".git" of a normal clone; the per-worktree directory of a worktree).
  std::filesystem::path git_dir() const;
  /// The directory shared by every worktree (where refs/ and objects/ live).
  std::filesystem::path common_dir() const;
  bool is_bare() const;
  /// `p` (a file or directory in the working tree) as a '/'-separated path from the top of the
  /// working tree ("" for the top itself); throws Error when it is outside.
  std::string path_in_repo(const std::filesystem::path& p) const;

  /// True when HEAD names a branch that has no commit yet (an empty repository).
  bool head_unborn() const;
  /// Short name of the branch HEAD points to ("main"); "" when HEAD is detached.
  std::string head_branch() const;
  /// The commit HEAD points to; throws when HEAD is unborn ("... has no commits yet").
  ObjectId head_commit() const;

  /// The commit a revision names (anything `git rev-parse REV^{commit}` accepts).
  std::optional<ObjectId> try_resolve_commit(std::string_view rev) const;
  /// As above; throws Error "bad revision 'REV'" (exit 3) when it does not resolve.
  ObjectId resolve_commit(std::string_view rev) const;

  /// The best common ancestor of two commits; nullopt when they share no history.
  std::optional<ObjectId> merge_base(const ObjectId& a, const ObjectId& b) const;

  /// Blob-level changes from commit `from`'s tree to commit `to`'s tree (files only, sorted by
  /// path). With `detect_renames`, an added and a deleted file with similar content pair up as
  /// one kRenamed entry (git's default 50% similarity).
  std::vector<ChangedPath> changed_paths(const ObjectId& from, const ObjectId& to,
                                         bool detect_renames = true) const;

  /// The bytes of the file at commit:path; nullopt when the path is absent or not a file.
  std::optional<std::string> read_blob(const ObjectId& commit, std::string_view path) const;
  /// The id of the blob or tree at commit:path ("" path = the root tree); nullopt when absent.
  std::optional<ObjectId> entry_id(const ObjectId& commit, std::string_view path) const;
  /// The entries of the directory at commit:dir, sorted by name; empty when absent.
  std::vector<TreeEntry> list_tree(const ObjectId& commit, std::string_view dir) const;
  /// Every blob under commit:dir whose name ends in one of `suffixes` (all blobs when empty),
  /// listed as recursive list_tree() calls would find them: each directory's entries sorted by
  /// name, its subdirectories entered where they sort, no deeper than `max_depth` directories
  /// below `dir`. One pass over the trees, reading no blob; empty when `dir` is absent.
  std::vector<BlobEntry> list_blobs(const ObjectId& commit, std::string_view dir, int max_depth,
                                    const std::vector<std::string>& suffixes = {}) const;
  /// The bytes of the blob with this id; nullopt when there is no such blob.
  std::optional<std::string> read_blob_id(const ObjectId& blob) const;

  CommitInfo commit_info(const ObjectId& commit) const;

  /// For every file under `dir` at `tip` (one level: dir's direct entries), the commit of the
  /// history of `tip` that added it. Walks the commits once, comparing only the tree id of `dir`
  /// between each commit and its parents and listing `dir` where they differ, so its cost does
  /// not grow with the size of the rest of the tree. Files present in `tip` only are returned.
  std::vector<FileAddition> files_added_under(const ObjectId& tip, std::string_view dir) const;

  /// A configuration value (repository, global and system levels, as git reads them).
  std::optional<std::string> config_string(const std::string& key) const;

  /// The names of the configured remotes, sorted.
  std::vector<std::string> remotes() const;

  /// True when refs/heads/<name> exists.
  bool branch_exists(std::string_view name) const;
  /// True when `name` is a valid branch name (git check-ref-format --branch).
  static bool valid_branch_name(std::string_view name);

  /// Lock files that would make a new branch unsafe: HEAD's, packed-refs', and each given ref's
  /// ("refs/heads/x" -> refs/heads/x.lock), as absolute paths of the ones present. Not the
  /// index's: a contribution never writes the index. Nothing is removed.
  std::vector<std::filesystem::path> locks_present(const std::vector<std::string>& refs) const;

  /// Writes the files' blobs, the updated trees and a commit on `req.parent` to the object
  /// database; no ref, index, HEAD or working-tree file changes. Returns the commit id.
  /// Commit ids are reproducible: the same request (with the same times) gives the same id.
  ObjectId write_commit(const CommitRequest& req);

  /// Creates refs/heads/<name> at `commit` only if no such branch exists (compare-and-swap with
  /// "must not exist"); throws Error "branch 'NAME' already exists" otherwise, or names the
  /// .lock file when the ref is locked.
  void create_branch(std::string_view name, const ObjectId& commit,
                     std::string_view reflog_message);

  /// Pushes refs/heads/<branch> to `remote` (a configured remote's name, or a URL or path)
  /// under the same name. Throws Error when the push fails or the remote rejects the update.
  void push_branch(std::string_view remote, std::string_view branch);

  /// The raw handle, for code inside src/git/ only.
  git_repository* handle() const { return repo_; }

 private:
  explicit Repository(git_repository* repo) : repo_(repo) {}
  git_repository* repo_ = nullptr;
};

}  // namespace persona::git
