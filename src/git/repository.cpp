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
#include "git/objects.h"

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
    if (v.empty())
      safe = false;
    else if (v == "*" || strip_slash(fs::path(v).lexically_normal().string()) == want)
      safe = true;
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

}  // namespace persona::git
