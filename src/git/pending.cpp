#include "git/pending.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "git/handle.h"
#include "schema/schema.h"

namespace persona {

namespace {

using ReferenceIteratorPtr =
    std::unique_ptr<git_reference_iterator, git::Deleter<git_reference_iterator_free>>;

// Records are checked as validate checks them, but against no clock: a record's time is checked
// against the clock where it is added (validate, check), not where it is read back.
constexpr const char* kAnyTime = "9999-12-31T23:59:59Z";

std::string records_dir(const std::string& prefix, const std::string& pid) {
  std::string dir = std::string(kRecordsDir) + "/" + pid;
  return prefix.empty() ? dir : prefix + "/" + dir;
}

bool by_time(const Record& a, const Record& b) {
  return std::tie(a.time, a.file) < std::tie(b.time, b.file);
}

/// The record in blob `id` at library-relative `file`, when it passes the checks.
std::optional<Record> read_record(const git::Repository& repo, const git::ObjectId& id,
                                  const std::string& file) {
  static const auto schema = schema::Schema::builtin("record");
  auto text = repo.read_blob_id(id);
  if (!text) return std::nullopt;
  auto f = check_record_text(file, std::move(*text), *schema, kAnyTime);
  return f.record;
}

}  // namespace

std::vector<BranchTip> contribution_branches(const git::Repository& repo,
                                             const std::string& branch_prefix) {
  git::ensure_init();
  git_reference_iterator* it = nullptr;
  git::check(git_reference_iterator_new(&it, repo.handle()), "cannot list the branches");
  ReferenceIteratorPtr iter(it);
  std::string want = branch_prefix.empty() ? "" : branch_prefix + "/";
  std::vector<BranchTip> local, remote;
  git_reference* r = nullptr;
  while (git_reference_next(&r, iter.get()) == 0) {
    git::ReferencePtr ref(r);
    if (git_reference_type(ref.get()) != GIT_REFERENCE_DIRECT) continue;
    std::string full = git_reference_name(ref.get());
    std::string name;
    bool is_local = full.rfind("refs/heads/", 0) == 0;
    if (is_local) {
      name = full.substr(11);
      if (name.rfind(want, 0) != 0) continue;
    } else if (full.rfind("refs/remotes/", 0) == 0) {
      name = full.substr(13);
      auto slash = name.find('/');
      if (slash == std::string::npos || name.compare(slash + 1, want.size(), want) != 0) continue;
    } else {
      continue;
    }
    git_object* obj = nullptr;
    if (git_reference_peel(&obj, ref.get(), GIT_OBJECT_COMMIT) != 0) {
      git_error_clear();  // a branch that does not point to a commit holds no contribution
      continue;
    }
    git::ObjectPtr commit(obj);
    (is_local ? local : remote).push_back({name, git::to_hex(*git_object_id(commit.get()))});
  }
  git_error_clear();  // GIT_ITEROVER
  auto by_name = [](const BranchTip& a, const BranchTip& b) { return a.name < b.name; };
  std::sort(local.begin(), local.end(), by_name);
  std::sort(remote.begin(), remote.end(), by_name);
  local.insert(local.end(), remote.begin(), remote.end());
  return local;
}

std::vector<Record> records_at(const git::Repository& repo, const git::ObjectId& commit,
                               const std::string& prefix, const std::string& pid) {
  std::vector<Record> out;
  std::string dir = std::string(kRecordsDir) + "/" + pid + "/";
  for (const auto& e : repo.list_tree(commit, records_dir(prefix, pid))) {
    if (e.is_tree) continue;
    if (auto r = read_record(repo, e.id, dir + e.name)) out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), by_time);
  return out;
}

std::vector<BranchRecord> pending_records(const git::Repository& repo, const git::ObjectId& base,
                                          const std::string& prefix, const std::string& pid,
                                          const std::string& branch_prefix) {
  std::string in_repo = records_dir(prefix, pid);
  std::string dir = std::string(kRecordsDir) + "/" + pid + "/";
  auto base_dir = repo.entry_id(base, in_repo);
  std::set<std::string> merged;
  if (base_dir)
    for (const auto& e : repo.list_tree(base, in_repo)) merged.insert(e.name);
  std::map<std::string, BranchRecord> by_file;
  std::set<std::string> unreadable;
  for (const auto& tip : contribution_branches(repo, branch_prefix)) {
    auto tip_dir = repo.entry_id(tip.commit, in_repo);
    if (!tip_dir || tip_dir == base_dir) continue;
    for (const auto& e : repo.list_tree(tip.commit, in_repo)) {
      if (e.is_tree || merged.count(e.name) || unreadable.count(e.name)) continue;
      auto it = by_file.find(e.name);
      if (it == by_file.end()) {
        auto r = read_record(repo, e.id, dir + e.name);
        if (!r) {
          unreadable.insert(e.name);
          continue;
        }
        it = by_file.emplace(e.name, BranchRecord{std::move(*r), {}, tip.commit}).first;
      }
      it->second.branches.push_back(tip.name);
    }
  }
  std::vector<BranchRecord> out;
  out.reserve(by_file.size());
  for (auto& [name, br] : by_file) out.push_back(std::move(br));
  std::stable_sort(out.begin(), out.end(), [](const BranchRecord& a, const BranchRecord& b) {
    return by_time(a.record, b.record);
  });
  return out;
}

}  // namespace persona
