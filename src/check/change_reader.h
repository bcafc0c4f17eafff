#pragma once
/// What `persona check --base` reads from git: the library's persona and record files at a
/// commit, parsed once and cached, with the path helpers it needs. Internal to check/change.cpp.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/repository.h"
#include "library/blob_cache.h"
#include "library/library.h"
#include "library/records.h"
#include "schema/schema.h"

namespace persona::check::change_detail {
namespace fs = std::filesystem;
using git::ObjectId;

// Record times are checked against the clock by validate; here any time is accepted.
inline constexpr const char* kAnyTime = "9999-12-31T23:59:59Z";

inline bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
inline bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

inline bool is_persona_path(const std::string& rel) {
  return starts_with(rel, "personas/") && (ends_with(rel, ".yaml") || ends_with(rel, ".yml"));
}
inline bool is_record_path(const std::string& rel) {
  return starts_with(rel, "contributions/") && (ends_with(rel, ".yaml") || ends_with(rel, ".yml"));
}

/// The pid directory of a record path (contributions/<pid>/...), or "".
inline std::string record_path_pid(const std::string& rel) {
  std::string rest = rel.substr(std::string("contributions/").size());
  auto slash = rest.find('/');
  return slash == std::string::npos ? std::string() : rest.substr(0, slash);
}

inline std::string short_id(const std::string& id) { return id.substr(0, 12); }

inline const char* kind_noun(const std::string& kind) {
  if (kind == "correct") return "correction";
  if (kind == "extend") return "extension";
  if (kind == "confirm") return "confirmation";
  return "comment";
}

/// A persona file as it is at one commit.
struct Loaded {
  PersonaFile file;
  std::optional<Persona> persona;  ///< when the file parsed as a mapping
  std::string pid;
};

/// Reads the library's files at commits, relative to the library root, caching what it parses.
class Reader {
 public:
  Reader(const git::Repository& repo, std::string prefix, const schema::Schema& persona_schema,
         const fs::path& cache_dir)
      : repo_(repo),
        prefix_(std::move(prefix)),
        schema_(persona_schema),
        record_schema_(schema::Schema::builtin("record")),
        blob_cache_(BlobValueCache::open(cache_dir, "yaml-pid", repo.common_dir())) {}
  ~Reader() { blob_cache_.save(); }

  std::optional<std::string> read(const ObjectId& commit, const std::string& rel) const {
    return repo_.read_blob(commit, prefix_ + rel);
  }

  const Loaded* persona(const ObjectId& commit, const std::string& rel) {
    auto key = commit + ":" + rel;
    if (auto it = personas_.find(key); it != personas_.end())
      return it->second ? &*it->second : nullptr;
    std::optional<Loaded> out;
    if (auto text = read(commit, rel)) {
      Loaded l;
      l.file = check_persona_text(rel, std::move(*text), schema_, false);
      if (l.file.root && l.file.root->is_mapping()) {
        l.persona = build_persona(l.file);
        l.pid = l.persona->pid;
      }
      out = std::move(l);
    }
    auto& slot = personas_[key] = std::move(out);
    return slot ? &*slot : nullptr;
  }

  std::optional<Record> record(const ObjectId& commit, const std::string& rel) const {
    auto text = read(commit, rel);
    if (!text) return std::nullopt;
    auto f = check_record_text(rel, std::move(*text), *record_schema_, kAnyTime);
    return f.record;
  }

  /// pid -> persona file paths at `commit` (sorted), read only as far as the pid.
  const std::map<std::string, std::vector<std::string>>& pids(const ObjectId& commit) {
    if (auto it = pid_index_.find(commit); it != pid_index_.end()) return it->second;
    std::map<std::string, std::vector<std::string>> index;
    list_personas(commit, "personas", index);
    for (auto& [pid, paths] : index) std::sort(paths.begin(), paths.end());
    return pid_index_[commit] = std::move(index);
  }

  std::vector<std::string> pid_list(const ObjectId& commit) {
    std::vector<std::string> out;
    for (const auto& [pid, paths] : pids(commit)) out.push_back(pid);
    return out;
  }

  /// The first persona file with `pid` at `commit`, or "".
  std::string path_of(const ObjectId& commit, const std::string& pid) {
    const auto& index = pids(commit);
    auto it = index.find(pid);
    return it == index.end() ? std::string() : it->second.front();
  }

  bool has_records(const ObjectId& commit, const std::string& pid) const {
    for (const auto& e : repo_.list_tree(commit, prefix_ + kRecordsDir + "/" + pid))
      if (!e.is_tree) return true;
    return false;
  }

 private:
  void list_personas(const ObjectId& commit, const std::string& dir,
                     std::map<std::string, std::vector<std::string>>& index) {
    // Every persona file, as recursive listings no deeper than 8 directories find them; the pid
    // each blob declares is read once per blob id, and kept across runs in the blob cache.
    for (const auto& e : repo_.list_blobs(commit, prefix_ + dir, 8, {".yaml", ".yml"})) {
      std::string rel = e.path.substr(prefix_.size());
      if (!is_persona_path(rel)) continue;
      auto cached = pid_of_blob_.find(e.id);
      if (cached == pid_of_blob_.end()) {
        std::string pid;
        if (const std::string* stored = blob_cache_.find(e.id)) {
          pid = *stored;
        } else {
          if (auto text = repo_.read_blob_id(e.id)) {
            auto parsed = yaml::parse(*text, rel);
            if (parsed.root)
              if (const yaml::Node* n = parsed.root->find("pid"); n && n->is_scalar())
                pid = n->value;
          }
          blob_cache_.put(e.id, pid);
        }
        cached = pid_of_blob_.emplace(e.id, pid).first;
      }
      if (!cached->second.empty()) index[cached->second].push_back(rel);
    }
  }

  const git::Repository& repo_;
  std::string prefix_;
  const schema::Schema& schema_;
  std::shared_ptr<const schema::Schema> record_schema_;
  std::map<std::string, std::optional<Loaded>> personas_;
  std::map<ObjectId, std::map<std::string, std::vector<std::string>>> pid_index_;
  std::map<ObjectId, std::string> pid_of_blob_;
  BlobValueCache blob_cache_;
};

}  // namespace persona::check::change_detail
