#include "check/change.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "check/change_reader.h"
#include "check/rules.h"
#include "core/error.h"
#include "core/text.h"
#include "git/changes.h"
#include "git/repository.h"
#include "library/blob_cache.h"
#include "library/library.h"
#include "library/records.h"

namespace persona::check {
namespace fs = std::filesystem;
using git::ObjectId;
using namespace change_detail;

namespace {

/// Where a key (or one item of a list) is in a parsed persona file; line 1 when absent.
yaml::Mark mark_of(const Loaded* l, const std::string& key, std::optional<std::size_t> item = {}) {
  if (!l || !l->file.root) return {1, 1};
  const yaml::Node& root = *l->file.root;
  if (item) {
    const yaml::Node* seq = root.find(key);
    if (seq && seq->is_sequence() && *item >= 1 && *item <= seq->children.size())
      return seq->children[*item - 1].mark;
  }
  if (const yaml::Node* k = root.find_key(key)) return k->mark;
  return {1, 1};
}

yaml::Mark record_mark(const std::string& text, const std::string& rel, const char* key) {
  auto parsed = yaml::parse(text, rel);
  if (parsed.root)
    if (const yaml::Node* k = parsed.root->find_key(key)) return k->mark;
  return {1, 1};
}

/// A value a field path has in a persona (canonical text), or nullopt.
std::optional<std::string> value_at(const Persona* p, const std::string& field) {
  if (!p) return std::nullopt;
  auto path = parse_field_path(field, nullptr);
  if (!path) return std::nullopt;
  return p->canonical_value(*path);
}

std::string join_and(const std::vector<std::string>& parts) {
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) s += i + 1 == parts.size() ? " and " : ", ";
    s += parts[i];
  }
  return s;
}

class Judge {
 public:
  Judge(const git::Repository& repo, std::string prefix, const schema::Schema& persona_schema,
        const ChangeOptions& options, ChangeSummary& summary)
      : reader_(repo, std::move(prefix), persona_schema, options.cache_dir),
        o_(options),
        s_(summary) {}

  std::vector<Diagnostic> run(const std::vector<git::ChangedPath>& changes,
                              const std::vector<git::ChangedPath>& base_changes);

 private:
  void add(const char* code, Severity sev, const std::string& file, yaml::Mark m, std::string msg,
           std::string hint = {}) {
    out_.push_back(Diagnostic{code, sev, file, m.line, m.column, std::move(msg), std::move(hint)});
  }
  void add(const char* code, const std::string& file, yaml::Mark m, std::string msg,
           std::string hint = {}) {
    add(code, Severity::kError, file, m, std::move(msg), std::move(hint));
  }
  std::string restore(const std::string& rel) const {
    return "git checkout " + short_id(s_.merge_base) + " -- " + rel;
  }

  void record_changes(const std::vector<git::ChangedPath>& changes);
  void pid_rules(const std::vector<git::ChangedPath>& persona_changes);
  void base_side_records(const std::vector<git::ChangedPath>& base_changes);
  /// The records of this change, then the persona files they change.
  void judge_records();
  /// Each record's value_hash against the value it started from, confirmations and changes made
  /// against a value the base branch has since changed; returns each persona as the records,
  /// replayed in order, leave it.
  std::map<std::string, Persona> judge_record_values();
  /// Each persona file the change touches is exactly what its records make of it (`state`), and
  /// changes nothing else without a record.
  void judge_persona_file(const std::string& pid, const std::map<std::string, Persona>& state);
  std::string raced_with(const Record& r);

  void touch(const std::string& pid) {
    if (!pid.empty()) touched_pids_.insert(pid);
  }

  Reader reader_;
  const ChangeOptions& o_;
  ChangeSummary& s_;
  std::vector<Diagnostic> out_;

  struct Added {
    Record record;
    std::string text;  ///< the file's text, for positions
  };
  std::vector<Added> added_;  ///< records added by the change, oldest first
  std::map<std::string, std::vector<Record>> base_records_;  ///< added on the base side, by pid
  std::set<std::string> touched_pids_;                       ///< personas the change touches
  std::set<std::string> changed_persona_pids_;     ///< pids (at HEAD) of changed persona files
  std::map<std::string, std::string> moved_from_;  ///< HEAD path -> merge-base path (renames)
};

void Judge::record_changes(const std::vector<git::ChangedPath>& changes) {
  for (const auto& c : changes) {
    bool old_is_record = !c.old_path.empty() && is_record_path(c.old_path);
    if (old_is_record) {
      touch(record_path_pid(c.old_path));
      switch (c.status) {
        case git::ChangeStatus::kModified:
          add(kRecordModified, c.path, {1, 1},
              "contribution record was modified; records are never edited once added",
              "restore it with '" + restore(c.path) + "' and add a new contribution instead");
          break;
        case git::ChangeStatus::kDeleted:
          add(kRecordDeleted, c.old_path, {0, 0},
              "contribution record was deleted; records are never removed",
              "restore it with '" + restore(c.old_path) + "'");
          break;
        case git::ChangeStatus::kRenamed:
          add(kRecordRenamed, c.path, {1, 1},
              "contribution record was moved here from " + quote(c.old_path, 200) +
                  "; records are never moved or renamed",
              "restore it with 'git rm -q " + c.path + " && " + restore(c.old_path) + "'");
          break;
        case git::ChangeStatus::kAdded:
          break;
      }
      continue;
    }
    if (!is_record_path(c.path) || c.status == git::ChangeStatus::kDeleted) continue;
    // Added (or moved in from outside contributions/, which adds it here).
    auto text = reader_.read(s_.head, c.path);
    if (!text) continue;
    touch(record_path_pid(c.path));
    if (auto r = reader_.record(s_.head, c.path)) {
      touch(r->pid);
      added_.push_back(Added{*r, *text});
    }
  }
  std::sort(added_.begin(), added_.end(), [](const Added& a, const Added& b) {
    return std::tie(a.record.time, a.record.file) < std::tie(b.record.time, b.record.file);
  });
}

void Judge::pid_rules(const std::vector<git::ChangedPath>& persona_changes) {
  std::vector<std::string> all_pids = reader_.pid_list(s_.head);
  for (const auto& p : reader_.pid_list(s_.base_commit)) all_pids.push_back(p);
  const std::string next = next_free_pid(all_pids);
  const auto& at_mb = reader_.pids(s_.merge_base);
  const auto& at_base = reader_.pids(s_.base_commit);

  for (const auto& c : persona_changes) {
    if (c.status == git::ChangeStatus::kDeleted) {
      const Loaded* old = reader_.persona(s_.merge_base, c.old_path);
      std::string pid = old ? old->pid : std::string();
      touch(pid);
      if (!o_.allow_direct_edits)
        add(kPersonaDeleted, c.old_path, {0, 0},
            "persona file was deleted" +
                (pid.empty() ? std::string() : " (pid " + quote(pid) + ")") +
                "; a pid is never reused and its contributions stay",
            "restore it with '" + restore(c.old_path) +
                "'; a maintainer retiring a persona passes --allow-direct-edits");
      continue;
    }
    const Loaded* now = reader_.persona(s_.head, c.path);
    if (!now || now->pid.empty()) continue;
    touch(now->pid);
    changed_persona_pids_.insert(now->pid);
    if (c.status == git::ChangeStatus::kRenamed) moved_from_[c.path] = c.old_path;
    if (c.status != git::ChangeStatus::kAdded) {
      const Loaded* old = reader_.persona(s_.merge_base, c.old_path);
      if (old && !old->pid.empty() && old->pid != now->pid) {
        add(kPidChanged, c.path, mark_of(now, "pid"),
            "pid changed from " + quote(old->pid) + " to " + quote(now->pid) +
                "; a persona's pid never changes",
            "put back 'pid: " + old->pid + "'");
        continue;
      }
    }
    if (at_mb.count(now->pid)) continue;
    // A pid new in this change: not taken on the base branch since, not used before.
    if (auto it = at_base.find(now->pid); it != at_base.end()) {
      add(kPidCollision, c.path, mark_of(now, "pid"),
          "pid " + quote(now->pid) + " is also taken on " + quote(o_.base) + " by " +
              quote(it->second.front(), 200) + ", added there since this branch started",
          "give this persona the next free pid, '" + next + "'");
    } else if (reader_.has_records(s_.merge_base, now->pid) ||
               reader_.has_records(s_.base_commit, now->pid)) {
      add(kPidReused, c.path, mark_of(now, "pid"),
          "pid " + quote(now->pid) +
              " belonged to a persona that was removed; its contributions "
              "are still under " +
              quote(std::string(kRecordsDir) + "/" + now->pid + "/", 200),
          "give this persona the next free pid, '" + next + "'");
    }
  }
}

void Judge::base_side_records(const std::vector<git::ChangedPath>& base_changes) {
  for (const auto& c : base_changes) {
    if (c.status == git::ChangeStatus::kDeleted || !is_record_path(c.path)) continue;
    if (c.status != git::ChangeStatus::kAdded && is_record_path(c.old_path)) continue;
    if (auto r = reader_.record(s_.base_commit, c.path)) base_records_[r->pid].push_back(*r);
  }
  for (auto& [pid, rs] : base_records_)
    std::sort(rs.begin(), rs.end(), [](const Record& a, const Record& b) {
      return std::tie(a.time, a.file) < std::tie(b.time, b.file);
    });
}

/// The base-side contributions that changed the field `r` addresses since the merge base.
std::string Judge::raced_with(const Record& r) {
  auto path = parse_field_path(r.field, nullptr);
  std::vector<std::string> names;
  auto it = base_records_.find(r.pid);
  if (path && it != base_records_.end()) {
    for (const auto& b : it->second) {
      if (b.kind != "correct" && b.kind != "extend") continue;
      auto bp = parse_field_path(b.field, nullptr);
      if (!bp || bp->field != path->field) continue;
      std::string name = kind_noun(b.kind);
      name += " " + b.id;
      name += " of " + quote(b.field);
      name += " by " + b.author;
      name += " (" + b.time + ", " + b.file + ")";
      names.push_back(std::move(name));
    }
  }
  if (names.empty()) return "by an edit without a contribution record";
  return "in " + join_and(names);
}

/// Applies a correction or extension to `cur` as `persona contribute` writes it, so the next
/// record on the same field starts from its result.
namespace {

void replay(const Record& r, const FieldPath& path, Persona& cur) {
  const FieldDef* def = find_field(path.field);
  if (!def) return;
  if (r.kind == "correct") {
    if (def->kind == FieldKind::kText) {
      cur.text[path.field] = r.text;
    } else if (path.item) {
      auto& items = cur.lists[path.field];
      if (*path.item >= 1 && *path.item <= items.size()) items[*path.item - 1] = r.text;
    } else {
      std::vector<std::string> items;
      for (auto l : split_lines(r.text)) items.emplace_back(l);
      cur.lists[path.field] = items;
    }
  } else if (def->kind == FieldKind::kList) {
    cur.lists[path.field].push_back(r.text);
  } else {
    // An extension appends a paragraph.
    std::string& t = cur.text[path.field];
    t = t.empty() ? r.text : t + "\n\n" + r.text;
  }
}

}  // namespace

void Judge::judge_records() {
  std::map<std::string, Persona> state = judge_record_values();
  // Every persona the change touches: its file must be exactly what its records make of it.
  std::set<std::string> pids = changed_persona_pids_;
  for (const auto& a : added_)
    if (a.record.kind == "correct" || a.record.kind == "extend") pids.insert(a.record.pid);
  for (const auto& pid : pids) judge_persona_file(pid, state);
}

std::map<std::string, Persona> Judge::judge_record_values() {
  // The value each field path had before each record of this change, replaying them in order.
  std::map<std::string, Persona> state;  // pid -> persona as the records so far leave it
  for (const auto& a : added_) {
    const Record& r = a.record;
    if (r.kind == "comment" || r.field.empty()) continue;
    std::string mb_path = reader_.path_of(s_.merge_base, r.pid);
    if (mb_path.empty()) continue;  // a persona new in this change: nothing to compare with
    const Loaded* mb = reader_.persona(s_.merge_base, mb_path);
    if (!mb || !mb->persona) continue;
    if (!state.count(r.pid)) state[r.pid] = *mb->persona;
    Persona& cur = state[r.pid];
    auto path = parse_field_path(r.field, nullptr);
    if (!path) continue;
    std::optional<std::string> before = cur.canonical_value(*path);

    std::string base_path = reader_.path_of(s_.base_commit, r.pid);
    const Loaded* base = base_path.empty() ? nullptr : reader_.persona(s_.base_commit, base_path);
    std::optional<std::string> at_base =
        value_at(base && base->persona ? &*base->persona : nullptr, r.field);
    std::optional<std::string> at_mb = mb->persona->canonical_value(*path);
    std::string head_path = reader_.path_of(s_.head, r.pid);
    const Loaded* head = head_path.empty() ? nullptr : reader_.persona(s_.head, head_path);
    std::optional<std::string> at_head =
        value_at(head && head->persona ? &*head->persona : nullptr, r.field);
    auto hash_of = [](const std::optional<std::string>& v) {
      return v ? value_hash(*v) : std::string();
    };
    yaml::Mark hash_mark = record_mark(a.text, r.file, "value_hash");

    if (r.kind == "confirm") {
      bool known = r.value_hash == hash_of(before) || r.value_hash == hash_of(at_head) ||
                   r.value_hash == hash_of(at_base);
      if (!known) {
        add(kRecordHash, r.file, hash_mark,
            "value_hash of confirmation " + r.id + " is not the hash of any value " +
                quote(r.field) + " has in this change or on " + quote(o_.base),
            "records are written by 'persona contribute', which hashes the value it confirms");
      } else if (base && r.value_hash == hash_of(at_mb) && at_base != at_mb) {
        add(kStaleConfirmation, Severity::kWarning, r.file, hash_mark,
            "confirmation " + r.id + " of " + quote(r.field) + " is for a value " + quote(o_.base) +
                " has since changed " + raced_with(r) + "; it will count for the earlier value",
            "update the branch and confirm the current value if it is right");
      }
      continue;
    }
    if (r.kind != "correct" && r.kind != "extend") continue;
    if (r.value_hash != hash_of(before)) {
      add(kRecordHash, r.file, hash_mark,
          "value_hash of " + std::string(kind_noun(r.kind)) + " " + r.id +
              " is not the hash of the value of " + quote(r.field) + " this change started from",
          "records are written by 'persona contribute', which hashes the value it changes");
    } else if (base && at_base != at_mb && before == at_mb) {
      add(kStaleContribution, r.file, hash_mark,
          std::string(kind_noun(r.kind)) + " " + r.id + " of " + quote(r.field) + " is stale: " +
              quote(o_.base) + " changed that value after this branch started, " + raced_with(r),
          "update the branch ('git rebase " + o_.base + "') and make the " + kind_noun(r.kind) +
              " again against the current value");
    }
    replay(r, *path, cur);
  }
  return state;
}

void Judge::judge_persona_file(const std::string& pid,
                               const std::map<std::string, Persona>& state) {
  std::string mb_path = reader_.path_of(s_.merge_base, pid);
  std::string head_path = reader_.path_of(s_.head, pid);
  if (mb_path.empty() || head_path.empty()) return;
  const Loaded* mb = reader_.persona(s_.merge_base, mb_path);
  const Loaded* head = reader_.persona(s_.head, head_path);
  if (!mb || !mb->persona || !head || !head->persona) return;
  Persona expected = state.count(pid) ? state.at(pid) : *mb->persona;
  const Persona& after = *head->persona;

  // The records of this change for this persona, by top-level field (the last one wins).
  std::map<std::string, const Record*> claimed;
  bool has_changes = false;
  for (const auto& a : added_) {
    if (a.record.pid != pid || (a.record.kind != "correct" && a.record.kind != "extend")) continue;
    has_changes = true;
    if (auto p = parse_field_path(a.record.field, nullptr)) claimed[p->field] = &a.record;
  }
  bool any = false;
  for (const auto& def : profile_fields()) {
    std::string f(def.name);
    bool same = def.kind == FieldKind::kText
                    ? expected.text[f] == (after.text.count(f) ? after.text.at(f) : std::string())
                    : expected.lists[f] ==
                          (after.lists.count(f) ? after.lists.at(f) : std::vector<std::string>());
    if (same) continue;
    any = true;
    if (auto c = claimed.find(f); c != claimed.end()) {
      const Record& r = *c->second;
      auto p = parse_field_path(r.field, nullptr);
      std::string what = r.kind == "correct" ? "does not hold the text of correction " + r.id
                         : def.kind == FieldKind::kList
                             ? "does not end with the item added by extension " + r.id
                             : "does not end with the paragraph added by extension " + r.id;
      add(kRecordMismatch, head_path, mark_of(head, f, p ? p->item : std::nullopt),
          quote(r.field) + " " + what + " (" + r.file + ")",
          "the persona file and the record change together; 'persona contribute' writes both");
    } else if (!o_.allow_direct_edits) {
      add(kDirectEdit, head_path, mark_of(head, f),
          quote(f) + " changed without a contribution record",
          "make it a contribution ('persona contribute " + pid +
              (def.kind == FieldKind::kText
                   ? " --correct " + f + " --text ...'"
                   : " --correct " + f + "[N] --text ...' or '--extend " + f + " --text ...'") +
              "); a maintainer's edit passes --allow-direct-edits");
    }
  }
  if (o_.allow_direct_edits) return;
  auto meta = [&](const char* key, bool same) {
    if (same) return;
    any = true;
    add(kDirectEdit, head_path, mark_of(head, key),
        quote(key) + " changed without a contribution record",
        "metadata is a maintainer's edit, which passes --allow-direct-edits");
  };
  meta("name", expected.name == after.name);
  meta("app", expected.app == after.app);
  meta("category", expected.category == after.category);
  meta("tags", expected.tags == after.tags);
  // Contributions may bump the version; a version change alone is an edit.
  meta("version", expected.version == after.version || has_changes);
  if (any) return;
  if (auto m = moved_from_.find(head_path); m != moved_from_.end()) {
    add(kDirectEdit, head_path, {1, 1},
        "persona file moved from " + quote(m->second, 200) + " without a contribution record",
        "a maintainer's edit passes --allow-direct-edits");
  } else if (!has_changes && mb->file.text != head->file.text && changed_persona_pids_.count(pid)) {
    add(kDirectEdit, head_path, {1, 1},
        "persona file changed without a contribution record (only its presentation)",
        "a maintainer's edit passes --allow-direct-edits");
  }
}

std::vector<Diagnostic> Judge::run(const std::vector<git::ChangedPath>& changes,
                                   const std::vector<git::ChangedPath>& base_changes) {
  std::vector<git::ChangedPath> persona_changes;
  for (const auto& c : changes) {
    bool persona_old = !c.old_path.empty() && is_persona_path(c.old_path);
    bool persona_new = c.status != git::ChangeStatus::kDeleted && is_persona_path(c.path);
    if (persona_old || persona_new) {
      git::ChangedPath pc = c;
      if (!persona_old && c.status == git::ChangeStatus::kRenamed) {
        pc.status = git::ChangeStatus::kAdded;  // moved in from elsewhere: new here
        pc.old_path.clear();
      } else if (!persona_new) {
        pc.status = git::ChangeStatus::kDeleted;  // moved out of personas/: gone from here
        pc.path = c.old_path;
      }
      persona_changes.push_back(pc);
      if (pc.status != git::ChangeStatus::kDeleted) s_.touched_persona_files.push_back(pc.path);
    }
  }
  record_changes(changes);
  pid_rules(persona_changes);
  base_side_records(base_changes);
  judge_records();
  if (touched_pids_.size() > 1) {
    std::vector<std::string> quoted;
    for (const auto& p : touched_pids_) quoted.push_back(quote(p));
    const std::string& first = changes.front().path;
    add(kMultiplePersonas, Severity::kWarning, first, {0, 0},
        "this change touches " + std::to_string(touched_pids_.size()) + " personas (" +
            join_and(quoted) + ")",
        "one persona per pull request keeps review simple; split it unless it belongs together");
  }
  sort_diagnostics(out_);
  return out_;
}

/// "sub/dir/" for a library at <workdir>/sub/dir, "" for one at the top.
std::string library_prefix(const git::Repository& repo, const fs::path& library_root) {
  std::error_code ec;
  fs::path top = fs::weakly_canonical(repo.workdir(), ec);
  fs::path lib = fs::weakly_canonical(library_root, ec);
  fs::path rel = lib.lexically_relative(top);
  if (rel.empty() || *rel.begin() == "..")
    throw io_error("the library " + quote(library_root.string(), 200) +
                   " is not inside the working tree of its git repository " +
                   quote(repo.workdir().string(), 200));
  std::string s = rel.generic_string();
  if (s == ".") return {};
  return s + "/";
}

std::string remote_to_fetch(const git::Repository& repo, const std::string& base) {
  auto rb = git::remote_branch_of(repo, base);
  std::string remote = "origin";
  if (rb) {
    remote = rb->remote;
  } else {
    auto names = git::remote_names(repo);
    if (!names.empty() && std::find(names.begin(), names.end(), "origin") == names.end())
      remote = names.front();
  }
  return remote;
}

}  // namespace

ChangeReport judge_change(const fs::path& library_root, const ChangeOptions& o,
                          const schema::Schema& persona_schema) {
  git::Repository repo = git::Repository::discover(library_root);
  if (repo.is_bare())
    throw io_error("cannot judge a change in a bare repository", "run the check in a clone");
  ChangeReport report;
  ChangeSummary& s = report.summary;
  s.base = o.base;
  std::string prefix = library_prefix(repo, library_root);
  if (repo.head_unborn())
    throw io_error("HEAD has no commits yet, so there is no change to judge",
                   "commit the change first");
  s.head = repo.head_commit();
  auto base = repo.try_resolve_commit(o.base);
  if (!base) {
    std::string hint = "name the branch the change will be merged into, e.g. --base origin/main";
    if (auto rb = git::remote_branch_of(repo, o.base))
      hint = std::string("fetch it first: git fetch ") +
             (git::is_shallow(repo) ? "--unshallow " : "") + rb->remote + " +refs/heads/" +
             rb->branch + ":refs/remotes/" + rb->remote + "/" + rb->branch;
    throw io_error("base " + quote(o.base) + " does not name a commit in this clone", hint);
  }
  s.base_commit = *base;
  // A pull request's merge commit (what CI checks out by default: parents base and head) is
  // judged as the pull request's own head, so the change is the one its author made.
  if (auto info = repo.commit_info(s.head);
      info.parents.size() == 2 && info.parents[0] == s.base_commit) {
    s.merge_commit = s.head;
    s.head = info.parents[1];
  }
  auto mb = git::merge_base_checked(repo, s.base_commit, s.head);
  if (mb.status == git::MergeBase::Status::kIncomplete) {
    std::string remote = remote_to_fetch(repo, o.base);
    std::size_t roots = git::shallow_roots(repo).size();
    throw io_error(
        "this shallow clone (its history stops at " + std::to_string(roots) +
            (roots == 1 ? " commit" : " commits") + ") does not reach the merge base of " +
            quote(o.base) + " and HEAD, so the change cannot be judged",
        "fetch the full history, then run the check again: git fetch --unshallow " + remote);
  }
  if (mb.status == git::MergeBase::Status::kUnrelated)
    throw io_error(
        quote(o.base) + " and HEAD have no common history, so there is no change to judge",
        "--base names the branch the change will be merged into");
  s.merge_base = mb.id;

  auto strip = [&](std::vector<git::ChangedPath> all) {
    std::vector<git::ChangedPath> out;
    for (auto& c : all) {
      bool in_new = starts_with(c.path, prefix), in_old = starts_with(c.old_path, prefix);
      if (!in_new && !in_old) continue;
      if (in_new)
        c.path = c.path.substr(prefix.size());
      else
        c.path.clear();
      if (in_old)
        c.old_path = c.old_path.substr(prefix.size());
      else
        c.old_path.clear();
      if (c.path.empty()) {  // moved out of the library: gone from it
        c.status = git::ChangeStatus::kDeleted;
        c.path = c.old_path;
      } else if (c.old_path.empty() && c.status != git::ChangeStatus::kAdded) {
        c.status = git::ChangeStatus::kAdded;  // moved in from outside the library
      }
      out.push_back(std::move(c));
    }
    return out;
  };
  auto changes = strip(repo.changed_paths(s.merge_base, s.head));
  s.changed_files = changes.size();
  if (changes.empty()) return report;
  auto base_changes = strip(repo.changed_paths(s.merge_base, s.base_commit));
  Judge judge(repo, prefix, persona_schema, o, s);
  report.diagnostics = judge.run(changes, base_changes);
  std::sort(s.touched_persona_files.begin(), s.touched_persona_files.end());
  return report;
}

}  // namespace persona::check
