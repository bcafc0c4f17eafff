#include "git/repository.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "core/text.h"
#include "git/handle.h"

// LeakSanitizer's suppressions for the sanitizer build (-DPERSONA_SANITIZE=ON); without a
// sanitizer nothing calls this. (Defined here, not in a file of its own, so the linker always
// takes it from the static library along with the git layer.)
//
// libgit2 1.5.1 as Debian 12 builds it uses PCRE2 for regular expressions, and the match data of
// each regex match over the configuration (url.<base>.insteadOf rewriting when a remote is
// created or looked up, git_remote_list) is never freed: about 20 KiB per push. That memory
// belongs to libgit2, so only allocations made inside libpcre2 are suppressed; a git handle we
// forgot to free is still reported (its stack does not pass through libpcre2).
extern "C" const char* __lsan_default_suppressions();   // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:libpcre2-8.so\n";
}
// Quietly: a suppression used is not news, and tests compare stderr exactly.
extern "C" const char* __lsan_default_options();   // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "print_suppressions=0";
}

namespace persona::git {
namespace fs = std::filesystem;

void ensure_init() {
  static const int init = [] {
    int rc = git_libgit2_init();
    // Ownership is judged by check_ownership(), as git does: libgit2 1.5's own check does not
    // know safe.directory=* and would refuse a repository git accepts.
    if (rc >= 0) git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    return rc;
  }();
  if (init < 0) throw io_error("cannot initialise libgit2: " + last_error_message());
}

std::string to_hex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

git_oid to_oid(const std::string& hex) {
  git_oid oid;
  check(git_oid_fromstrn(&oid, hex.data(), hex.size()), "invalid object id " + quote(hex));
  if (hex.size() != GIT_OID_HEXSZ) throw io_error("invalid object id " + quote(hex));
  return oid;
}

const char* change_status_name(ChangeStatus s) {
  switch (s) {
    case ChangeStatus::kAdded:
      return "added";
    case ChangeStatus::kModified:
      return "modified";
    case ChangeStatus::kDeleted:
      return "deleted";
    case ChangeStatus::kRenamed:
      return "renamed";
  }
  return "modified";
}

namespace {

std::string strip_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

/// The directory to name in messages and in the safe.directory hint: the working tree's top when
/// the repository directory is a ".git" inside one.
std::string display_dir(const std::string& git_path) {
  fs::path p = strip_slash(git_path);
  if (p.filename() == ".git") return p.parent_path().string();
  return p.string();
}

[[noreturn]] void throw_open_error(int rc, const std::string& dir) {
  if (rc == GIT_EOWNER)
    throw io_error(
        "repository " + quote(dir, 200) + " is owned by another user (" + last_error_message() +
            ")",
        "if you trust it, mark it safe: git config --global --add safe.directory " + dir);
  throw io_error("cannot open the git repository " + quote(dir, 200) + ": " + last_error_message());
}

CommitPtr lookup_commit(git_repository* repo, const ObjectId& id) {
  git_oid oid = to_oid(id);
  git_commit* c = nullptr;
  check(git_commit_lookup(&c, repo, &oid), "cannot read commit " + quote(id));
  return CommitPtr(c);
}

TreePtr commit_tree(git_repository* repo, const ObjectId& commit) {
  CommitPtr c = lookup_commit(repo, commit);
  git_tree* t = nullptr;
  check(git_commit_tree(&t, c.get()), "cannot read the tree of commit " + quote(commit));
  return TreePtr(t);
}

TreePtr lookup_tree(git_repository* repo, const git_oid& oid) {
  git_tree* t = nullptr;
  check(git_tree_lookup(&t, repo, &oid), "cannot read tree " + quote(to_hex(oid)));
  return TreePtr(t);
}

/// The entry at `path` in `tree`, or null when absent.
TreeEntryPtr entry_bypath(git_tree* tree, std::string_view path) {
  git_tree_entry* e = nullptr;
  int rc = git_tree_entry_bypath(&e, tree, std::string(path).c_str());
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    return nullptr;
  }
  check(rc, "cannot look up " + quote(path, 200));
  return TreeEntryPtr(e);
}

Signature from_git(const git_signature* s) {
  Signature out;
  if (!s) return out;
  out.name = s->name ? s->name : "";
  out.email = s->email ? s->email : "";
  out.time = s->when.time;
  out.offset_minutes = s->when.offset;
  return out;
}

SignaturePtr to_git(const Signature& s, const char* role) {
  // libgit2 refuses angle brackets but writes a newline as it is, which splits the header and
  // lets the rest forge one; no control character goes into a commit's header.
  for (const std::string* part : {&s.name, &s.email}) {
    bool control = std::any_of(part->begin(), part->end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (control || part->find_first_of("<>") != std::string::npos)
      throw usage_error(std::string("the ") + role + (part == &s.name ? " name " : " email ") +
                            quote(*part) + " cannot go into a commit: it holds " +
                            (control ? "a line break or control character" : "'<' or '>'"),
                        "give it on one line, without control characters or angle brackets");
  }
  git_signature* sig = nullptr;
  check(git_signature_new(&sig, s.name.c_str(), s.email.c_str(), s.time, s.offset_minutes),
        std::string("invalid ") + role + " " + quote(s.name));
  return SignaturePtr(sig);
}

/// True when the current user owns `p` (root invoking through sudo counts as SUDO_UID, as in git).
bool owned_by_me(const fs::path& p) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0)
    return true;  // nothing to judge; libgit2 reports what is missing
  uid_t me = ::geteuid();
  if (st.st_uid == me) return true;
  if (me == 0) {
    const char* sudo_uid = std::getenv("SUDO_UID");
    if (sudo_uid && *sudo_uid && std::to_string(st.st_uid) == sudo_uid) return true;
  }
  return false;
}

int collect_value(const git_config_entry* e, void* payload) {
  static_cast<std::vector<std::string>*>(payload)->push_back(e->value ? e->value : "");
  return 0;
}

/// git's safe.directory rule (2.39): listed in the system or global configuration (never the
/// repository's own), as the directory itself or '*'; an empty value forgets the entries before
/// it.
bool marked_safe(const fs::path& dir) {
  git_config* cfg = nullptr;
  if (git_config_open_default(&cfg) < 0) {
    git_error_clear();
    return false;
  }
  ConfigPtr config(cfg);
  std::vector<std::string> values;
  int rc = git_config_get_multivar_foreach(config.get(), "safe.directory", nullptr, collect_value,
                                           &values);
  if (rc < 0) git_error_clear();
  std::string want = strip_slash(fs::path(dir).lexically_normal().string());
  bool safe = false;
  for (const auto& v : values) {
    if (v.empty()) safe = false;
    else if (v == "*" || strip_slash(fs::path(v).lexically_normal().string()) == want) safe = true;
  }
  return safe;
}

/// Refuses a repository another user owns, as git does since 2.35.2, with git's own fix as the
/// hint. (libgit2 1.5 refuses it too, but reports it as a missing config value.)
void check_ownership(const std::string& git_path) {
  fs::path gitdir = strip_slash(git_path);
  fs::path top = gitdir.filename() == ".git" ? gitdir.parent_path() : gitdir;
  for (const fs::path& p : {top, gitdir}) {
    if (owned_by_me(p)) continue;
    if (marked_safe(top)) return;
    throw io_error(
        "repository " + quote(top.string(), 200) + " is owned by another user",
        "if you trust it, mark it safe: git config --global --add safe.directory " + top.string());
  }
}

bool looks_like_url_or_path(std::string_view s) {
  return s.find(':') != std::string_view::npos || s.find('/') != std::string_view::npos ||
         s.starts_with(".");
}

}  // namespace

Repository Repository::discover(const fs::path& start) {
  ensure_init();
  Buf found;
  std::error_code ec;
  fs::path abs = fs::absolute(start, ec);
  if (ec) abs = start;
  int rc = git_repository_discover(&found.buf, abs.c_str(), 0, nullptr);
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    throw io_error("not a git repository (or any parent up to /): " + quote(abs.string(), 200),
                   "contributions are commits: run this inside a clone of the library");
  }
  if (rc == GIT_EOWNER) throw_open_error(rc, display_dir(abs.string()));
  check(rc, "cannot look for a git repository at " + quote(abs.string(), 200));
  return open(found.str());
}

Repository Repository::open(const fs::path& dir) {
  ensure_init();
  check_ownership(dir.string());
  git_repository* repo = nullptr;
  int rc = git_repository_open_ext(&repo, dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  if (rc < 0) {
    if (rc == GIT_ENOTFOUND) {
      git_error_clear();
      throw io_error("not a git repository: " + quote(dir.string(), 200));
    }
    throw_open_error(rc, display_dir(dir.string()));
  }
  return Repository(repo);
}

Repository Repository::init(const fs::path& dir, std::string_view initial_branch, bool bare) {
  ensure_init();
  git_repository_init_options opts;
  check(git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION),
        "cannot set up a new repository");
  opts.flags = GIT_REPOSITORY_INIT_MKPATH | (bare ? GIT_REPOSITORY_INIT_BARE : 0);
  std::string head = std::string(initial_branch);
  opts.initial_head = head.c_str();
  git_repository* repo = nullptr;
  check(git_repository_init_ext(&repo, dir.c_str(), &opts),
        "cannot create a repository at " + quote(dir.string(), 200));
  return Repository(repo);
}

Repository::Repository(Repository&& o) noexcept : repo_(o.repo_) { o.repo_ = nullptr; }

Repository& Repository::operator=(Repository&& o) noexcept {
  if (this != &o) {
    if (repo_) git_repository_free(repo_);
    repo_ = o.repo_;
    o.repo_ = nullptr;
  }
  return *this;
}

Repository::~Repository() {
  if (repo_) git_repository_free(repo_);
}

fs::path Repository::workdir() const {
  const char* w = git_repository_workdir(repo_);
  return w ? fs::path(strip_slash(w)) : fs::path();
}

fs::path Repository::git_dir() const { return strip_slash(git_repository_path(repo_)); }

fs::path Repository::common_dir() const { return strip_slash(git_repository_commondir(repo_)); }

bool Repository::is_bare() const { return git_repository_is_bare(repo_) == 1; }

std::string Repository::path_in_repo(const fs::path& p) const {
  std::error_code ec;
  fs::path top = fs::weakly_canonical(workdir(), ec);
  fs::path abs = fs::weakly_canonical(fs::absolute(p, ec), ec);
  fs::path rel = abs.lexically_relative(top);
  std::string out = rel.generic_string();
  if (is_bare() || rel.empty() || out == ".." || out.starts_with("../"))
    throw io_error(quote(p.string(), 200) + " is outside the working tree of the repository " +
                   quote(top.string(), 200));
  return out == "." ? "" : out;
}

bool Repository::head_unborn() const {
  return check(git_repository_head_unborn(repo_), "cannot read HEAD") == 1;
}

std::string Repository::head_branch() const {
  git_reference* ref = nullptr;
  check(git_reference_lookup(&ref, repo_, "HEAD"), "cannot read HEAD");
  ReferencePtr head(ref);
  if (git_reference_type(head.get()) != GIT_REFERENCE_SYMBOLIC) return "";
  std::string target = git_reference_symbolic_target(head.get());
  const std::string prefix = "refs/heads/";
  return target.starts_with(prefix) ? target.substr(prefix.size()) : "";
}

ObjectId Repository::head_commit() const {
  if (head_unborn()) {
    std::string b = head_branch();
    throw io_error("the repository has no commits yet" +
                       (b.empty() ? "" : " (HEAD is the unborn branch " + quote(b) + ")"),
                   "commit the library first, or name a starting point with --base");
  }
  auto id = try_resolve_commit("HEAD");
  if (!id) throw io_error("cannot resolve HEAD to a commit: " + last_error_message());
  return *id;
}

std::optional<ObjectId> Repository::try_resolve_commit(std::string_view rev) const {
  if (rev.empty()) return std::nullopt;
  git_object* obj = nullptr;
  int rc = git_revparse_single(&obj, repo_, std::string(rev).c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EAMBIGUOUS || rc == GIT_EINVALIDSPEC ||
      rc == GIT_EUNBORNBRANCH) {
    git_error_clear();
    return std::nullopt;
  }
  check(rc, "cannot resolve " + quote(rev));
  ObjectPtr o(obj);
  git_object* peeled = nullptr;
  rc = git_object_peel(&peeled, o.get(), GIT_OBJECT_COMMIT);
  if (rc < 0) {
    git_error_clear();
    return std::nullopt;
  }
  ObjectPtr p(peeled);
  return to_hex(*git_object_id(p.get()));
}

ObjectId Repository::resolve_commit(std::string_view rev) const {
  auto id = try_resolve_commit(rev);
  if (!id) throw io_error("bad revision " + quote(rev) + ": it does not name a commit");
  return *id;
}

std::optional<ObjectId> Repository::merge_base(const ObjectId& a, const ObjectId& b) const {
  git_oid out;
  git_oid oa = to_oid(a), ob = to_oid(b);
  int rc = git_merge_base(&out, repo_, &oa, &ob);
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    return std::nullopt;
  }
  check(rc, "cannot find the merge base of " + quote(a.substr(0, 12)) + " and " +
                quote(b.substr(0, 12)));
  return to_hex(out);
}

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
      collect_blobs(repo, sub.get(), dir + "/" + std::string(name), depth + 1, max_depth,
                    suffixes, out);
      continue;
    }
    if (type != GIT_OBJECT_BLOB) continue;
    bool wanted = suffixes.empty();
    for (const auto& s : suffixes) wanted = wanted || name.ends_with(s);
    if (wanted) out.push_back(BlobEntry{dir + "/" + std::string(name), to_hex(*git_tree_entry_id(e))});
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
      out.push_back(FileAddition{dir_s + '/' + name, blob, to_hex(oid)});
    }
    if (found.size() == wanted.size()) break;
  }
  if (rc != 0 && rc != GIT_ITEROVER) check(rc, "cannot walk the history");
  git_error_clear();
  std::sort(out.begin(), out.end(),
            [](const FileAddition& a, const FileAddition& b) { return a.path < b.path; });
  return out;
}

std::optional<std::string> Repository::config_string(const std::string& key) const {
  git_config* cfg = nullptr;
  check(git_repository_config_snapshot(&cfg, repo_), "cannot read the git configuration");
  ConfigPtr config(cfg);
  const char* value = nullptr;
  int rc = git_config_get_string(&value, config.get(), key.c_str());
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    return std::nullopt;
  }
  check(rc, "cannot read " + quote(key) + " from the git configuration");
  return std::string(value ? value : "");
}

std::vector<std::string> Repository::remotes() const {
  // The remotes are the "remote.<name>.url" keys. (git_remote_list matches them with a regex,
  // and libgit2 1.5 built with PCRE2 leaks the match data of every regex match.)
  git_config* cfg = nullptr;
  check(git_repository_config_snapshot(&cfg, repo_), "cannot read the git configuration");
  ConfigPtr config(cfg);
  git_config_iterator* it = nullptr;
  check(git_config_iterator_new(&it, config.get()), "cannot list the git configuration");
  ConfigIteratorPtr iter(it);
  std::set<std::string> names;
  git_config_entry* entry = nullptr;
  int rc;
  while ((rc = git_config_next(&entry, iter.get())) == 0) {
    std::string_view key = entry->name;
    if (key.size() > 11 && key.starts_with("remote.") && key.ends_with(".url"))
      names.emplace(key.substr(7, key.size() - 11));
  }
  if (rc != GIT_ITEROVER) check(rc, "cannot list the git configuration");
  git_error_clear();
  return {names.begin(), names.end()};
}

bool Repository::branch_exists(std::string_view name) const {
  git_reference* ref = nullptr;
  int rc = git_reference_lookup(&ref, repo_, ("refs/heads/" + std::string(name)).c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
    git_error_clear();
    return false;
  }
  check(rc, "cannot look up branch " + quote(name));
  ReferencePtr r(ref);
  return true;
}

bool Repository::valid_branch_name(std::string_view name) {
  ensure_init();
  if (name.empty() || name.starts_with("-")) return false;
  int valid = 0;
  check(git_branch_name_is_valid(&valid, std::string(name).c_str()),
        "cannot check branch name " + quote(name));
  return valid == 1;
}

std::vector<fs::path> Repository::locks_present(const std::vector<std::string>& refs) const {
  std::vector<fs::path> candidates = {git_dir() / "HEAD.lock", common_dir() / "packed-refs.lock"};
  for (const auto& r : refs) candidates.push_back(common_dir() / (r + ".lock"));
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& p : candidates)
    if (fs::exists(p, ec)) out.push_back(p);
  return out;
}

ObjectId Repository::write_commit(const CommitRequest& req) {
  CommitPtr parent;
  TreePtr baseline;
  if (!req.parent.empty()) {
    parent = lookup_commit(repo_, req.parent);
    git_tree* base = nullptr;
    check(git_commit_tree(&base, parent.get()),
          "cannot read the tree of " + quote(req.parent.substr(0, 12)));
    baseline.reset(base);
  }

  std::vector<std::string> paths;  // kept alive for the update structs' const char*
  paths.reserve(req.files.size() + req.removals.size());
  std::vector<git_tree_update> updates;
  for (const auto& f : req.files) {
    git_oid blob;
    check(git_blob_create_from_buffer(&blob, repo_, f.content.data(), f.content.size()),
          "cannot write " + quote(f.path, 200) + " to the object database");
    paths.push_back(f.path);
    git_tree_update u;
    std::memset(&u, 0, sizeof u);
    u.action = GIT_TREE_UPDATE_UPSERT;
    u.id = blob;
    u.filemode = GIT_FILEMODE_BLOB;
    u.path = paths.back().c_str();
    updates.push_back(u);
  }
  for (const auto& path : req.removals) {
    paths.push_back(path);
    git_tree_update u;
    std::memset(&u, 0, sizeof u);
    u.action = GIT_TREE_UPDATE_REMOVE;
    u.path = paths.back().c_str();
    updates.push_back(u);
  }
  git_oid tree_oid;
  check(git_tree_create_updated(&tree_oid, repo_, baseline.get(), updates.size(), updates.data()),
        "cannot write the new tree");
  TreePtr tree = lookup_tree(repo_, tree_oid);

  SignaturePtr author = to_git(req.author, "author");
  SignaturePtr committer = to_git(req.committer, "committer");
  std::string message = req.message;
  if (message.empty() || message.back() != '\n') message += '\n';
  std::vector<CommitPtr> merged;
  std::vector<const git_commit*> parents;
  if (parent) parents.push_back(parent.get());
  for (const auto& id : req.merge_parents) {
    merged.push_back(lookup_commit(repo_, id));
    parents.push_back(merged.back().get());
  }
  git_oid commit_oid;
  check(git_commit_create(&commit_oid, repo_, nullptr, author.get(), committer.get(), nullptr,
                          message.c_str(), tree.get(), parents.size(), parents.data()),
        "cannot write the commit");
  return to_hex(commit_oid);
}

void Repository::create_branch(std::string_view name, const ObjectId& commit,
                               std::string_view reflog_message) {
  const std::string ref_name = "refs/heads/" + std::string(name);
  git_oid oid = to_oid(commit);
  auto locked = [&] {
    return io_error("branch " + quote(name, 200) +
                        " is locked: " + quote((common_dir() / (ref_name + ".lock")).string(), 300) +
                        " exists (" + last_error_message() + ")",
                    "another git process may be running; if none is, remove the lock file yourself");
  };
  // Compare-and-swap: take the ref's lock first, then check that the branch does not exist, then
  // write it. git_reference_create(force = 0) checks before locking and, when the branch appeared
  // meanwhile with the same commit (two identical contributions in the same second), reports
  // success to both writers.
  git_transaction* t = nullptr;
  check(git_transaction_new(&t, repo_), "cannot create branch " + quote(name, 200));
  TransactionPtr tx(t);
  int rc = git_transaction_lock_ref(tx.get(), ref_name.c_str());
  if (rc == GIT_ELOCKED) throw locked();
  check(rc, "cannot create branch " + quote(name, 200));
  git_reference* existing = nullptr;
  rc = git_reference_lookup(&existing, repo_, ref_name.c_str());
  if (rc == 0) {
    ReferencePtr e(existing);
    throw io_error("branch " + quote(name, 200) + " already exists");
  }
  if (rc != GIT_ENOTFOUND) check(rc, "cannot create branch " + quote(name, 200));
  check(git_transaction_set_target(tx.get(), ref_name.c_str(), &oid, nullptr,
                                   std::string(reflog_message).c_str()),
        "cannot create branch " + quote(name, 200));
  rc = git_transaction_commit(tx.get());
  if (rc == GIT_ELOCKED) throw locked();
  check(rc, "cannot create branch " + quote(name, 200));
}

namespace {

struct PushState {
  std::string rejected;  ///< "refname: status" of the first rejected update
};

int on_push_update(const char* refname, const char* status, void* data) {
  auto* st = static_cast<PushState*>(data);
  if (status && st->rejected.empty()) st->rejected = std::string(refname) + ": " + status;
  return 0;
}

int on_credentials(git_credential** out, const char* /*url*/, const char* username_from_url,
                   unsigned int allowed_types, void* /*payload*/) {
  if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) && username_from_url)
    return git_credential_ssh_key_from_agent(out, username_from_url);
  return GIT_PASSTHROUGH;
}

}  // namespace

void Repository::push_branch(std::string_view remote_name, std::string_view branch) {
  const std::string remote_s(remote_name);
  git_remote* r = nullptr;
  int rc = git_remote_lookup(&r, repo_, remote_s.c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
    git_error_clear();
    if (!looks_like_url_or_path(remote_s))
      throw io_error("no remote named " + quote(remote_s),
                     "'git remote -v' lists the remotes; a URL or path works too");
    rc = git_remote_create_anonymous(&r, repo_, remote_s.c_str());
  }
  check(rc, "cannot use the remote " + quote(remote_s, 200));
  RemotePtr remote(r);

  const std::string refspec =
      "refs/heads/" + std::string(branch) + ":refs/heads/" + std::string(branch);
  char* specs[] = {const_cast<char*>(refspec.c_str())};
  git_strarray refspecs = {specs, 1};
  git_push_options opts;
  check(git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION), "cannot set up a push");
  PushState state;
  opts.callbacks.push_update_reference = on_push_update;
  opts.callbacks.credentials = on_credentials;
  opts.callbacks.payload = &state;
  check(git_remote_push(remote.get(), &refspecs, &opts),
        "cannot push " + quote(branch, 200) + " to " + quote(remote_s, 200));
  if (!state.rejected.empty())
    throw io_error("the remote " + quote(remote_s, 200) + " rejected the push: " + state.rejected);
}

}  // namespace persona::git
