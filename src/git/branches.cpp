// Repository: writing (a commit made in the object database, a branch created by
// compare-and-swap, a push) and the branch and lock checks before it.
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

namespace {

/// A remote given as a URL or a path rather than a name.
bool looks_like_url_or_path(std::string_view s) {
  return s.find(':') != std::string_view::npos || s.find('/') != std::string_view::npos ||
         s.starts_with(".");
}

}  // namespace

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
    return io_error(
        "branch " + quote(name, 200) +
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
