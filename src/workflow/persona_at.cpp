#include "workflow/persona_at.h"

#include "core/error.h"
#include "core/text.h"
#include "git/pending.h"
#include "git/worktree.h"
#include "library/blob_cache.h"
#include "yaml/tree.h"

namespace persona {
namespace fs = std::filesystem;

namespace {

/// The pid a persona file declares, read as validate reads it but only as far as the pid (it
/// usually comes first); "" when the file has none that reads.
std::string declared_pid(std::string_view text, const std::string& path) {
  static const std::vector<std::string_view> kPid{"pid"};
  auto r = yaml::parse_keys(text, path, kPid);
  const yaml::Node* n = r.root ? r.root->find("pid") : nullptr;
  return n && n->is_scalar() ? n->value : std::string();
}

}  // namespace

PersonaAt find_persona_at(const git::Repository& repo, const git::ObjectId& commit,
                          const std::string& prefix, const std::string& pid,
                          const fs::path& cache_dir) {
  auto in_repo = [&](const std::string& rel) { return prefix.empty() ? rel : prefix + "/" + rel; };
  auto files = repo.list_blobs(commit, in_repo(kPersonasDir), 8, {".yaml", ".yml"});
  BlobValueCache pid_cache = BlobValueCache::open(cache_dir, "key-pid", repo.common_dir());
  git::CleanWorktree worktree(repo);
  PersonaAt out;
  for (const auto& f : files) {
    std::string declared;
    if (const std::string* cached = pid_cache.find(f.id)) {
      declared = *cached;
    } else {
      std::optional<std::string> t = worktree.read(f.path, f.id);
      if (!t) t = repo.read_blob_id(f.id);
      if (!t) continue;
      declared = declared_pid(*t, f.path);
      pid_cache.put(f.id, declared);
    }
    if (declared == pid && out.path.empty()) {
      // The persona's own bytes come from the blob, and must name the pid the scan found.
      std::optional<std::string> t = repo.read_blob_id(f.id);
      if (t && declared_pid(*t, f.path) == pid) {
        out.path = prefix.empty() ? f.path : f.path.substr(prefix.size() + 1);
        out.text = std::move(*t);
      }
    }
    if (!declared.empty()) out.pids.push_back(declared);
  }
  pid_cache.save();
  return out;
}

Library load_persona_at(const git::Repository& repo, const git::ObjectId& commit,
                        const std::string& rev, const fs::path& library_root,
                        const std::string& pid, const schema::Schema& persona_schema,
                        const fs::path& cache_dir) {
  std::string prefix = repo.path_in_repo(library_root);
  PersonaAt at = find_persona_at(repo, commit, prefix, pid, cache_dir);
  if (at.path.empty()) {
    std::string hint = did_you_mean(pid, at.pids);
    throw usage_error("unknown persona " + quote(pid) + " at " + quote(rev),
                      hint.empty() ? "'persona list' shows every pid" : hint);
  }
  PersonaFile file = check_persona_text(at.path, std::move(at.text), persona_schema, true);
  if (!file.ok())
    throw Error(
        kExitProblems,
        "persona " + quote(pid) + " in " + quote(at.path, 200) + " at " + quote(rev) +
            " has problems",
        "'persona validate " + at.path + "' on a checkout of " + quote(rev) + " shows them");
  Library lib;
  lib.root = library_root;
  lib.personas.push_back(build_persona(file));
  lib.files.push_back(std::move(file));
  lib.records = records_at(repo, commit, prefix, pid);
  return lib;
}

}  // namespace persona
