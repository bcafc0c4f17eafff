// Repository: reading trees, blobs and commits (what changed between two commits, the files
// under a folder, a blob by path or id, the commits that added files).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "core/text.h"
#include "git/handle.h"
#include "git/objects.h"
#include "git/repository.h"

namespace persona::git {
namespace fs = std::filesystem;

std::vector<ChangedPath> Repository::changed_paths(const ObjectId& from, const ObjectId& to,
                                                   bool detect_renames) const {
  TreePtr a = commit_tree(repo_, from), b = commit_tree(repo_, to);
  git_diff_options opts;
  check(git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION), "cannot set up a diff");
  git_diff* d = nullptr;
  check(git_diff_tree_to_tree(&d, repo_, a.get(), b.get(), &opts),
        "cannot compare " + quote(from.substr(0, 12)) + " and " + quote(to.substr(0, 12)));
  DiffPtr diff(d);
  if (detect_renames) {
    git_diff_find_options fo;
    check(git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION),
          "cannot set up rename detection");
    fo.flags = GIT_DIFF_FIND_RENAMES;
    check(git_diff_find_similar(diff.get(), &fo), "cannot detect renames");
  }
  std::vector<ChangedPath> out;
  std::size_t n = git_diff_num_deltas(diff.get());
  for (std::size_t i = 0; i < n; ++i) {
    const git_diff_delta* dd = git_diff_get_delta(diff.get(), i);
    ChangedPath c;
    std::string oldp = dd->old_file.path ? dd->old_file.path : "";
    std::string newp = dd->new_file.path ? dd->new_file.path : "";
    switch (dd->status) {
      case GIT_DELTA_ADDED:
        c.status = ChangeStatus::kAdded;
        c.path = newp;
        c.new_id = to_hex(dd->new_file.id);
        break;
      case GIT_DELTA_DELETED:
        c.status = ChangeStatus::kDeleted;
        c.path = c.old_path = oldp;
        c.old_id = to_hex(dd->old_file.id);
        break;
      case GIT_DELTA_RENAMED:
        c.status = ChangeStatus::kRenamed;
        c.path = newp;
        c.old_path = oldp;
        c.old_id = to_hex(dd->old_file.id);
        c.new_id = to_hex(dd->new_file.id);
        break;
      case GIT_DELTA_UNMODIFIED:
        continue;
      default:  // modified, type change (and copies, which this diff does not look for)
        c.status = ChangeStatus::kModified;
        c.path = newp;
        c.old_path = oldp;
        c.old_id = to_hex(dd->old_file.id);
        c.new_id = to_hex(dd->new_file.id);
        break;
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const ChangedPath& x, const ChangedPath& y) {
    return std::tie(x.path, x.old_path) < std::tie(y.path, y.old_path);
  });
  return out;
}

std::optional<std::string> Repository::read_blob(const ObjectId& commit,
                                                 std::string_view path) const {
  TreePtr tree = commit_tree(repo_, commit);
  TreeEntryPtr e = entry_bypath(tree.get(), path);
  if (!e || git_tree_entry_type(e.get()) != GIT_OBJECT_BLOB) return std::nullopt;
  git_blob* b = nullptr;
  check(git_blob_lookup(&b, repo_, git_tree_entry_id(e.get())),
        "cannot read " + quote(commit.substr(0, 12) + ":" + std::string(path), 200));
  BlobPtr blob(b);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::string(data, static_cast<std::size_t>(git_blob_rawsize(blob.get())));
}

std::optional<ObjectId> Repository::entry_id(const ObjectId& commit, std::string_view path) const {
  TreePtr tree = commit_tree(repo_, commit);
  if (path.empty()) return to_hex(*git_tree_id(tree.get()));
  TreeEntryPtr e = entry_bypath(tree.get(), path);
  if (!e) return std::nullopt;
  return to_hex(*git_tree_entry_id(e.get()));
}

std::vector<TreeEntry> Repository::list_tree(const ObjectId& commit, std::string_view dir) const {
  std::vector<TreeEntry> out;
  TreePtr root = commit_tree(repo_, commit);
  TreePtr sub;
  git_tree* t = root.get();
  if (!dir.empty()) {
    TreeEntryPtr e = entry_bypath(root.get(), dir);
    if (!e || git_tree_entry_type(e.get()) != GIT_OBJECT_TREE) return out;
    sub = lookup_tree(repo_, *git_tree_entry_id(e.get()));
    t = sub.get();
  }
  std::size_t n = git_tree_entrycount(t);
  for (std::size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(t, i);
    out.push_back(TreeEntry{git_tree_entry_name(e), to_hex(*git_tree_entry_id(e)),
                            git_tree_entry_type(e) == GIT_OBJECT_TREE});
  }
  std::sort(out.begin(), out.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.name < b.name; });
  return out;
}

namespace {

/// libgit2 hashes every object it reads again to verify it (git itself does not, outside fsck).
/// Where many trees are read only to list names and ids (a walk over every version of
/// contributions/, or every directory of personas/), that hashing was most of the time; this
/// reads them the way git does, for the scope of one call.
struct NoHashCheck {
  NoHashCheck() { git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0); }
  ~NoHashCheck() { git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1); }
  NoHashCheck(const NoHashCheck&) = delete;
  NoHashCheck& operator=(const NoHashCheck&) = delete;
};

void collect_blobs(git_repository* repo, git_tree* tree, const std::string& dir, int depth,
                   int max_depth, const std::vector<std::string>& suffixes,
                   std::vector<BlobEntry>& out) {
  std::size_t n = git_tree_entrycount(tree);
  std::vector<const git_tree_entry*> entries(n);
  for (std::size_t i = 0; i < n; ++i) entries[i] = git_tree_entry_byindex(tree, i);
  // Git orders a directory as if its name ended in '/'; list_tree() sorts by the plain name.
  std::sort(entries.begin(), entries.end(), [](const git_tree_entry* a, const git_tree_entry* b) {
    return std::strcmp(git_tree_entry_name(a), git_tree_entry_name(b)) < 0;
  });
  for (const git_tree_entry* e : entries) {
    std::string_view name = git_tree_entry_name(e);
    git_object_t type = git_tree_entry_type(e);
    if (type == GIT_OBJECT_TREE) {
      if (depth >= max_depth) continue;
      TreePtr sub = lookup_tree(repo, *git_tree_entry_id(e));
      collect_blobs(repo, sub.get(), dir + "/" + std::string(name), depth + 1, max_depth, suffixes,
                    out);
      continue;
    }
    if (type != GIT_OBJECT_BLOB) continue;
    bool wanted = suffixes.empty();
    for (const auto& s : suffixes) wanted = wanted || name.ends_with(s);
    if (wanted)
      out.push_back(BlobEntry{dir + "/" + std::string(name), to_hex(*git_tree_entry_id(e))});
  }
}

}  // namespace

std::vector<BlobEntry> Repository::list_blobs(const ObjectId& commit, std::string_view dir,
                                              int max_depth,
                                              const std::vector<std::string>& suffixes) const {
  std::vector<BlobEntry> out;
  NoHashCheck no_hash_check;  // hundreds of small trees, read for their entries only
  TreePtr root = commit_tree(repo_, commit);
  TreeEntryPtr e = entry_bypath(root.get(), dir);
  if (!e || git_tree_entry_type(e.get()) != GIT_OBJECT_TREE) return out;
  TreePtr top = lookup_tree(repo_, *git_tree_entry_id(e.get()));
  collect_blobs(repo_, top.get(), std::string(dir), 0, max_depth, suffixes, out);
  return out;
}

std::optional<std::string> Repository::read_blob_id(const ObjectId& blob) const {
  git_oid oid = to_oid(blob);
  git_blob* b = nullptr;
  int rc = git_blob_lookup(&b, repo_, &oid);
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    return std::nullopt;
  }
  check(rc, "cannot read blob " + quote(blob));
  BlobPtr p(b);
  const char* data = static_cast<const char*>(git_blob_rawcontent(p.get()));
  return std::string(data, static_cast<std::size_t>(git_blob_rawsize(p.get())));
}

CommitInfo Repository::commit_info(const ObjectId& commit) const {
  CommitPtr c = lookup_commit(repo_, commit);
  CommitInfo info;
  info.id = to_hex(*git_commit_id(c.get()));
  const char* summary = git_commit_summary(c.get());
  info.summary = summary ? summary : "";
  const char* msg = git_commit_message(c.get());
  info.message = msg ? msg : "";
  info.author = from_git(git_commit_author(c.get()));
  info.committer = from_git(git_commit_committer(c.get()));
  unsigned n = git_commit_parentcount(c.get());
  for (unsigned i = 0; i < n; ++i)
    info.parents.push_back(to_hex(*git_commit_parent_id(c.get(), i)));
  return info;
}

namespace {

struct OidHash {
  std::size_t operator()(const git_oid& o) const noexcept {
    std::size_t h;
    std::memcpy(&h, o.id, sizeof h);  // an object id is already a uniform hash
    return h;
  }
};
struct OidEqual {
  bool operator()(const git_oid& a, const git_oid& b) const noexcept {
    return git_oid_equal(&a, &b) != 0;
  }
};

/// The id of the directory `name` in the tree `tree` (a zero id when absent or not a directory).
/// Reads the tree's raw bytes and scans its entries: a tree of thousands of entries (the
/// contributions/ directory) is met once per commit in a walk, and building libgit2's parsed
/// tree for it (an entry object per name) was most of the cost of `persona history`.
git_oid subdir_id(git_odb* odb, const git_oid& tree, std::string_view name) {
  git_oid out;
  std::memset(&out, 0, sizeof out);
  git_odb_object* obj = nullptr;
  check(git_odb_read(&obj, odb, &tree), "cannot read tree " + quote(to_hex(tree)));
  std::unique_ptr<git_odb_object, Deleter<git_odb_object_free>> hold(obj);
  if (git_odb_object_type(obj) != GIT_OBJECT_TREE)
    throw io_error("object " + quote(to_hex(tree)) + " is not a tree");
  const char* p = static_cast<const char*>(git_odb_object_data(obj));
  const char* end = p + git_odb_object_size(obj);
  // Each entry: "<octal mode> <name>\0<20-byte id>". Plain loops rather than memchr: modes and
  // names are a few bytes long, and this runs over every entry of every version read.
  const std::size_t want = name.size();
  while (p < end) {
    const char* sp = p;
    while (sp < end && *sp != ' ') ++sp;
    if (sp >= end) throw io_error("tree " + quote(to_hex(tree)) + " is corrupt");
    const char* n = sp + 1;
    const char* nul = n;
    while (nul < end && *nul != '\0') ++nul;
    if (nul >= end || end - nul < 1 + GIT_OID_RAWSZ)
      throw io_error("tree " + quote(to_hex(tree)) + " is corrupt");
    if (static_cast<std::size_t>(nul - n) == want && want > 0 && n[want - 1] == name[want - 1] &&
        std::memcmp(n, name.data(), want) == 0) {
      // A directory's mode is 40000 (git writes no leading zero; accept one anyway).
      std::string_view mode(p, static_cast<std::size_t>(sp - p));
      if (mode == "40000" || mode == "040000")
        git_oid_fromraw(&out, reinterpret_cast<const unsigned char*>(nul + 1));
      return out;
    }
    p = nul + 1 + GIT_OID_RAWSZ;
  }
  return out;
}

}  // namespace

// One piece: one walk of the history with its caches (the id of `dir` per tree and per commit,
// the files of each version of `dir`), which the lambdas below share; they are what makes the
// walk read each tree once, and they live exactly as long as it.
std::vector<FileAddition> Repository::files_added_under(const ObjectId& tip,
                                                        std::string_view dir) const {
  std::vector<FileAddition> out;
  const std::string dir_s(dir);
  // Every version of contributions/ is read: megabytes per commit (see NoHashCheck).
  NoHashCheck no_hash_check;
  git_odb* odb_raw = nullptr;
  check(git_repository_odb(&odb_raw, repo_), "cannot open the object database");
  std::unique_ptr<git_odb, Deleter<git_odb_free>> odb(odb_raw);
  std::vector<std::string> parts;
  for (std::size_t at = 0; at <= dir_s.size();) {
    std::size_t slash = dir_s.find('/', at);
    if (slash == std::string::npos) slash = dir_s.size();
    if (slash > at) parts.push_back(dir_s.substr(at, slash - at));
    at = slash + 1;
  }
  // The id of `dir` under a tree, one component at a time, remembered per tree id at each level:
  // consecutive commits mostly share the upper trees, or differ only in them.
  std::vector<std::unordered_map<git_oid, git_oid, OidHash, OidEqual>> below(parts.size());
  auto dir_in_tree = [&](git_oid tree) -> git_oid {
    for (std::size_t level = 0; level < parts.size(); ++level) {
      auto it = below[level].find(tree);
      git_oid next;
      if (it != below[level].end()) {
        next = it->second;
      } else {
        next = subdir_id(odb.get(), tree, parts[level]);
        below[level].emplace(tree, next);
      }
      if (git_oid_is_zero(&next)) return next;
      tree = next;
    }
    return tree;
  };
  // The id of `dir` in a commit's tree (a zero oid when absent), cached per commit: each commit
  // is read once as a child and again as a parent.
  std::unordered_map<git_oid, git_oid, OidHash, OidEqual> dir_ids;
  auto dir_of_commit = [&](const git_commit* c) -> git_oid {
    const git_oid& id = *git_commit_id(c);
    if (auto it = dir_ids.find(id); it != dir_ids.end()) return it->second;
    git_oid d = dir_in_tree(*git_commit_tree_id(c));
    dir_ids.emplace(id, d);
    return d;
  };
  auto dir_of = [&](const git_oid& commit_oid) -> git_oid {
    if (auto it = dir_ids.find(commit_oid); it != dir_ids.end()) return it->second;
    git_commit* c = nullptr;
    check(git_commit_lookup(&c, repo_, &commit_oid),
          "cannot read commit " + quote(to_hex(commit_oid)));
    CommitPtr cp(c);
    return dir_of_commit(cp.get());
  };
  // The files (name -> blob id) of one version of `dir`, cached per tree id.
  std::unordered_map<std::string, std::map<std::string, std::string>> listings;
  auto files_of = [&](const git_oid& tree_oid) -> const std::map<std::string, std::string>& {
    std::string key(reinterpret_cast<const char*>(tree_oid.id), GIT_OID_RAWSZ);
    if (auto it = listings.find(key); it != listings.end()) return it->second;
    std::map<std::string, std::string> files;
    if (!git_oid_is_zero(&tree_oid)) {
      TreePtr t = lookup_tree(repo_, tree_oid);
      std::size_t n = git_tree_entrycount(t.get());
      for (std::size_t i = 0; i < n; ++i) {
        const git_tree_entry* e = git_tree_entry_byindex(t.get(), i);
        if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
          files.emplace(git_tree_entry_name(e), to_hex(*git_tree_entry_id(e)));
      }
    }
    return listings.emplace(std::move(key), std::move(files)).first->second;
  };

  git_oid tip_oid = to_oid(tip);
  // References into an unordered_map stay valid when it grows (only iterators do not).
  const auto& wanted = files_of(dir_of(tip_oid));
  if (wanted.empty()) return out;
  std::set<std::string> found;

  git_revwalk* w = nullptr;
  check(git_revwalk_new(&w, repo_), "cannot walk the history");
  RevwalkPtr walk(w);
  check(git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL), "cannot walk the history");
  check(git_revwalk_push(walk.get(), &tip_oid),
        "cannot walk the history from " + quote(tip.substr(0, 12)));
  git_oid oid;
  int rc;
  while ((rc = git_revwalk_next(&oid, walk.get())) == 0) {
    git_commit* c = nullptr;
    check(git_commit_lookup(&c, repo_, &oid), "cannot read commit " + quote(to_hex(oid)));
    CommitPtr commit(c);
    git_oid child_dir = dir_of_commit(commit.get());
    if (git_oid_is_zero(&child_dir)) continue;
    std::vector<git_oid> parent_dirs;
    bool same_as_a_parent = false;
    unsigned np = git_commit_parentcount(commit.get());
    for (unsigned i = 0; i < np; ++i) {
      git_oid pd = dir_of(*git_commit_parent_id(commit.get(), i));
      if (git_oid_equal(&pd, &child_dir)) same_as_a_parent = true;
      parent_dirs.push_back(pd);
    }
    if (same_as_a_parent) continue;
    const auto& child_files = files_of(child_dir);
    for (const auto& [name, blob] : child_files) {
      if (!wanted.count(name) || found.count(name)) continue;
      bool in_a_parent = false;
      for (const git_oid& pd : parent_dirs)
        if (files_of(pd).count(name)) in_a_parent = true;
      if (in_a_parent) continue;
      found.insert(name);
      std::string path = dir_s;
      path += '/';
      path += name;
      out.push_back(FileAddition{std::move(path), blob, to_hex(oid)});
    }
    if (found.size() == wanted.size()) break;
  }
  if (rc != 0 && rc != GIT_ITEROVER) check(rc, "cannot walk the history");
  git_error_clear();
  std::sort(out.begin(), out.end(),
            [](const FileAddition& a, const FileAddition& b) { return a.path < b.path; });
  return out;
}

}  // namespace persona::git
