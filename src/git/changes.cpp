#include "git/changes.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "core/text.h"
#include "git/handle.h"

namespace persona::git {

bool is_shallow(const Repository& repo) {
  return check(git_repository_is_shallow(repo.handle()),
               "cannot tell whether the clone is shallow") == 1;
}

std::vector<ObjectId> shallow_roots(const Repository& repo) {
  std::vector<ObjectId> out;
  if (!is_shallow(repo)) return out;
  // libgit2 1.5 has no public call for the list; the file is one full id per line.
  std::ifstream in(repo.common_dir() / "shallow");
  std::string line;
  while (std::getline(in, line)) {
    std::string id(trim(line));
    if (id.size() == GIT_OID_HEXSZ && id.find_first_not_of("0123456789abcdef") == std::string::npos)
      out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

/// The commit graph of a shallow clone as git sees it: a shallow root has no parents (its real
/// ones are not in the clone). Walking it never asks libgit2 for a missing object, whose error
/// path in git_merge_base leaks in libgit2 1.5.
class ShallowGraph {
 public:
  ShallowGraph(git_repository* repo, std::set<ObjectId> roots)
      : repo_(repo), roots_(std::move(roots)) {}

  /// The parents of a commit; null (with missing() set) when the commit cannot be read.
  const std::vector<ObjectId>* parents(const ObjectId& id) {
    if (auto it = parents_.find(id); it != parents_.end()) return &it->second;
    std::vector<ObjectId> ps;
    if (!roots_.count(id)) {
      git_oid oid = to_oid(id);
      git_commit* c = nullptr;
      if (git_commit_lookup(&c, repo_, &oid) < 0) {
        missing_ = "cannot read commit " + id.substr(0, 12) + ": " + last_error_message();
        git_error_clear();
        return nullptr;
      }
      CommitPtr commit(c);
      unsigned n = git_commit_parentcount(commit.get());
      for (unsigned i = 0; i < n; ++i) ps.push_back(to_hex(*git_commit_parent_id(commit.get(), i)));
    }
    return &parents_.emplace(id, std::move(ps)).first->second;
  }

  /// Every commit reachable from `tip` (itself included), not going past commits in `stop`;
  /// nullopt when a commit cannot be read.
  std::optional<std::set<ObjectId>> reachable(const ObjectId& tip,
                                              const std::set<ObjectId>& stop = {}) {
    std::set<ObjectId> seen;
    std::deque<ObjectId> queue{tip};
    while (!queue.empty()) {
      ObjectId id = std::move(queue.front());
      queue.pop_front();
      if (stop.count(id) || !seen.insert(id).second) continue;
      const auto* ps = parents(id);
      if (!ps) return std::nullopt;
      queue.insert(queue.end(), ps->begin(), ps->end());
    }
    return seen;
  }

  bool is_root(const ObjectId& id) const { return roots_.count(id) > 0; }
  const std::string& missing() const { return missing_; }

 private:
  git_repository* repo_;
  std::set<ObjectId> roots_;
  std::map<ObjectId, std::vector<ObjectId>> parents_;
  std::string missing_;
};

MergeBase incomplete(std::string detail) {
  MergeBase mb;
  mb.status = MergeBase::Status::kIncomplete;
  mb.detail = std::move(detail);
  return mb;
}

/// merge_base_checked() for a shallow clone.
MergeBase shallow_merge_base(git_repository* repo, const std::vector<ObjectId>& root_list,
                             const ObjectId& a, const ObjectId& b) {
  ShallowGraph g(repo, std::set<ObjectId>(root_list.begin(), root_list.end()));
  auto from_a = g.reachable(a);
  if (!from_a) return incomplete(g.missing());
  // The common ancestors nearest to b: walk from b, stopping at the first common commit on
  // each path.
  std::set<ObjectId> nearest, seen;
  std::deque<ObjectId> queue{b};
  while (!queue.empty()) {
    ObjectId id = std::move(queue.front());
    queue.pop_front();
    if (!seen.insert(id).second) continue;
    if (from_a->count(id)) {
      nearest.insert(id);
      continue;
    }
    const auto* ps = g.parents(id);
    if (!ps) return incomplete(g.missing());
    queue.insert(queue.end(), ps->begin(), ps->end());
  }
  // The best of them: those that are not an ancestor of another.
  std::vector<ObjectId> best;
  for (const auto& c : nearest) {
    bool below_another = false;
    for (const auto& other : nearest) {
      if (other == c) continue;
      auto below = g.reachable(other);
      if (!below) return incomplete(g.missing());
      if (below->count(c)) {
        below_another = true;
        break;
      }
    }
    if (!below_another) best.push_back(c);
  }
  if (best.empty()) return incomplete("no common ancestor in the history this clone has");
  MergeBase mb;
  mb.id = best.front();  // several best ones (criss-cross merges): any is a merge base, as in git
  // The answer stands only if nothing between either tip and it was cut off: a shallow root
  // there could hide a nearer common ancestor.
  auto below_base = g.reachable(mb.id);
  if (!below_base) return incomplete(g.missing());
  for (const ObjectId* tip : {&a, &b}) {
    auto between = g.reachable(*tip, *below_base);
    if (!between) return incomplete(g.missing());
    for (const auto& id : *between)
      if (g.is_root(id)) return incomplete("the history stops at commit " + id.substr(0, 12));
  }
  return mb;
}

}  // namespace

MergeBase merge_base_checked(const Repository& repo, const ObjectId& a, const ObjectId& b) {
  git_repository* r = repo.handle();
  if (is_shallow(repo)) return shallow_merge_base(r, shallow_roots(repo), a, b);
  git_oid oa = to_oid(a), ob = to_oid(b), out;
  MergeBase mb;
  int rc = git_merge_base(&out, r, &oa, &ob);
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    mb.status = MergeBase::Status::kUnrelated;
    return mb;
  }
  check(rc, "cannot find the merge base of " + quote(a.substr(0, 12)) + " and " +
                quote(b.substr(0, 12)));
  mb.id = to_hex(out);
  return mb;
}

std::vector<std::string> remote_names(const Repository& repo) {
  // git_remote_list() matches config names with a regular expression, and libgit2 1.5 with
  // PCRE2 leaks the match's memory every time; a plain walk over the config does not.
  git_config* c = nullptr;
  check(git_repository_config_snapshot(&c, repo.handle()), "cannot read the repository's config");
  ConfigPtr config(c);
  git_config_iterator* it = nullptr;
  check(git_config_iterator_new(&it, config.get()), "cannot read the repository's config");
  std::unique_ptr<git_config_iterator, Deleter<git_config_iterator_free>> iter(it);
  std::set<std::string> names;
  git_config_entry* entry = nullptr;
  int rc;
  while ((rc = git_config_next(&entry, iter.get())) == 0) {
    // remote.<name>.url: <name> may itself contain dots.
    std::string_view key = entry->name;
    if (key.size() > 11 && key.substr(0, 7) == "remote." && key.substr(key.size() - 4) == ".url")
      names.emplace(key.substr(7, key.size() - 11));
  }
  if (rc != GIT_ITEROVER) check(rc, "cannot read the repository's config");
  git_error_clear();
  return {names.begin(), names.end()};
}

std::optional<RemoteBranch> remote_branch_of(const Repository& repo, std::string_view rev) {
  std::string name(rev);
  const std::string refs_remotes = "refs/remotes/";
  if (name.rfind(refs_remotes, 0) == 0) name = name.substr(refs_remotes.size());
  // The longest configured remote name that prefixes "<remote>/<branch>" wins, as in git.
  std::optional<RemoteBranch> best;
  for (const auto& remote : remote_names(repo)) {
    if (name.size() > remote.size() + 1 && name.compare(0, remote.size(), remote) == 0 &&
        name[remote.size()] == '/' && (!best || remote.size() > best->remote.size()))
      best = RemoteBranch{remote, name.substr(remote.size() + 1)};
  }
  return best;
}

}  // namespace persona::git
