#include "git/history.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/hash.h"
#include "core/text.h"
#include "git/changes.h"

namespace persona {

namespace {

/// The records' files at HEAD: record path (library-relative) -> (blob id, commit).
std::map<std::string, git::FileAddition> committed_records(const git::Repository& repo,
                                                           const std::string& prefix,
                                                           const std::string& head,
                                                           const std::string& pid) {
  std::map<std::string, git::FileAddition> out;
  std::string dir = std::string(kRecordsDir) + "/" + pid;
  std::string in_repo = prefix.empty() ? dir : prefix + "/" + dir;
  std::vector<git::FileAddition> added;
  try {
    added = repo.files_added_under(head, in_repo);
  } catch (const Error&) {
    if (!git::is_shallow(repo)) throw;
    // The walk reached the commits a shallow clone stops at before it found every record.
    auto remotes = repo.remotes();
    std::string remote = remotes.empty() ? "origin"
                         : std::find(remotes.begin(), remotes.end(), "origin") != remotes.end()
                             ? "origin"
                             : remotes.front();
    throw io_error("cannot tell when the contributions to " + quote(pid) +
                       " were made: this clone is shallow, and its history stops before them",
                   "fetch the whole history, then run it again: git fetch --unshallow " + remote);
  }
  for (auto& a : added) {
    std::string rel = prefix.empty() ? a.path : a.path.substr(prefix.size() + 1);
    out.emplace(rel, std::move(a));
  }
  return out;
}

bool selected(const Record& r, const std::optional<FieldPath>& only) {
  if (!only) return true;
  if (r.field.empty()) return false;
  auto p = parse_record_field_path(r.field, nullptr);
  if (!p) return false;
  return only->item ? *p == *only : p->field == only->field;
}

/// The fields' histories in the order of profile_fields() (a field's items after it), each with
/// its activity figures.
std::vector<FieldHistory> in_profile_order(const std::map<std::string, FieldHistory>& by_field,
                                           const PersonaActivity& pa) {
  std::vector<FieldHistory> out;
  for (const auto& def : profile_fields()) {
    std::string name(def.name);
    for (const auto& [key, history] : by_field) {
      auto fp = parse_record_field_path(key, nullptr);
      if (!fp || fp->field != name) continue;
      FieldHistory fh = history;
      if (auto ai = pa.fields.find(name); ai != pa.fields.end()) fh.activity = ai->second;
      out.push_back(std::move(fh));
    }
  }
  return out;
}

}  // namespace

namespace {

/// The history of `p` from `records` (every one of `p`, in any order): figures, entries by field
/// in profile order, comments; `locate` fills in where each entry was committed.
PersonaHistory assemble(const Persona& p, std::vector<Record> records,
                        const std::optional<FieldPath>& only,
                        const std::function<void(HistoryEntry&)>& locate) {
  PersonaHistory h;
  h.pid = p.pid;
  h.name = p.name;
  records.erase(std::remove_if(records.begin(), records.end(),
                               [&](const Record& r) { return !selected(r, only); }),
                records.end());
  std::sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
    return std::tie(a.time, a.file) < std::tie(b.time, b.file);
  });

  // compute_activity() is the one definition of the figures; it is given this persona and the
  // selected records only, so a filter on one item counts just that item.
  auto activity = compute_activity({p}, records);
  const PersonaActivity& pa = activity[p.pid];
  h.total = pa.total();
  h.contributors = pa.contributors;
  h.last_activity = pa.last_activity;
  if (!records.empty()) h.first_activity = records.front().time;

  // Replacements: the value a correction or extension replaced is identified by its hash.
  std::map<std::pair<std::string, std::string>, std::string> replaced;  // (field, hash) -> id
  for (const auto& r : records)
    if ((r.kind == "correct" || r.kind == "extend") && !r.value_hash.empty())
      replaced.emplace(std::make_pair(r.field, r.value_hash), r.id);

  std::map<std::string, FieldHistory> by_field;
  for (const Record* rp : pa.records) {
    const Record& r = *rp;
    HistoryEntry e;
    e.record = r;
    locate(e);
    std::optional<FieldPath> path;
    if (!r.field.empty()) path = parse_record_field_path(r.field, nullptr);
    if (r.kind == "confirm" && path) {
      auto v = p.canonical_value(*path);
      e.current_value = v && value_hash(*v) == r.value_hash;
      if (!e.current_value) {
        auto rit = replaced.find({r.field, r.value_hash});
        if (rit != replaced.end()) e.replaced_by = rit->second;
      }
    }
    if (!path) {
      h.comments.push_back(e);
      continue;
    }
    std::string key = only && only->item ? only->str() : path->field;
    FieldHistory& fh = by_field[key];
    fh.field = key;
    if (fh.first_activity.empty()) fh.first_activity = r.time;
    fh.entries.push_back(e);
  }
  if (only)
    by_field[only->item ? only->str() : only->field].field = only->item ? only->str() : only->field;

  h.fields = in_profile_order(by_field, pa);
  return h;
}

}  // namespace

PersonaHistory persona_history(const Library& lib, const Persona& p, const git::Repository* repo,
                               const std::optional<FieldPath>& only, const std::string& rev) {
  std::vector<Record> records;
  for (const auto& r : lib.records)
    if (r.pid == p.pid && selected(r, only)) records.push_back(r);

  std::string head;
  if (repo && !rev.empty())
    head = rev;
  else if (repo && !repo->head_unborn())
    head = repo->head_commit();
  std::map<std::string, git::FileAddition> commits;
  if (repo && !head.empty() && !records.empty())
    commits = committed_records(*repo, repo->path_in_repo(lib.root), head, p.pid);

  std::map<std::string, const std::string*> texts;
  for (const auto& f : lib.record_files) texts.emplace(f.path, &f.text);
  std::map<std::string, std::string> summaries;
  auto locate = [&](HistoryEntry& e) {
    auto it = commits.find(e.record.file);
    if (it == commits.end()) return;
    // At HEAD, the record read from the working tree counts as committed only when its bytes are
    // the committed ones; at --rev, every record is the commit's own.
    if (rev.empty()) {
      auto ti = texts.find(e.record.file);
      if (ti == texts.end() || it->second.blob != blob_id(*ti->second)) return;
    }
    e.commit = it->second.commit;
    auto s = summaries.find(e.commit);
    if (s == summaries.end())
      s = summaries.emplace(e.commit, repo->commit_info(e.commit).summary).first;
    e.commit_summary = s->second;
  };
  PersonaHistory h = assemble(p, std::move(records), only, locate);
  h.head = head;
  return h;
}

PersonaHistory pending_history(const Persona& p, const std::vector<BranchRecord>& pending,
                               const git::Repository& repo, const std::string& head,
                               const std::optional<FieldPath>& only) {
  std::vector<Record> records;
  std::map<std::string, const BranchRecord*> by_file;
  for (const auto& br : pending) {
    records.push_back(br.record);
    by_file.emplace(br.record.file, &br);
  }
  std::map<std::string, std::string> summaries;
  auto locate = [&](HistoryEntry& e) {
    const BranchRecord& br = *by_file.at(e.record.file);
    e.branches = br.branches;
    e.commit = br.commit;
    auto s = summaries.find(e.commit);
    if (s == summaries.end())
      s = summaries.emplace(e.commit, repo.commit_info(e.commit).summary).first;
    e.commit_summary = s->second;
  };
  PersonaHistory h = assemble(p, std::move(records), only, locate);
  h.head = head;
  h.pending = true;
  return h;
}

namespace {

std::string names(const std::set<std::string>& s) {
  std::string out;
  for (const auto& n : s) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

void entry_text(std::string& out, const HistoryEntry& e) {
  const Record& r = e.record;
  out += "  " + r.time + "  " + r.kind + "  " + (r.field.empty() ? "" : r.field + "  ") + r.author;
  if (r.kind == "confirm")
    out += e.current_value         ? "  (current value)"
           : e.replaced_by.empty() ? "  (an earlier value)"
                                   : "  (an earlier value, replaced by " + e.replaced_by + ")";
  if (!e.branches.empty()) {
    std::string on;
    for (const auto& b : e.branches) on += (on.empty() ? "" : ", ") + b;
    out += "\n    branch " + on + " (commit " + e.commit.substr(0, 12) + ")\n";
  } else {
    out += "\n    commit " +
           (e.commit.empty() ? std::string("none (not committed on HEAD)")
                             : e.commit.substr(0, 12) + " " + e.commit_summary) +
           "\n";
  }
  auto block = [&](const char* label, const std::string& text) {
    if (text.empty()) return;
    auto lines = split_lines(text);
    out += std::string("    ") + label + ": " + std::string(lines.empty() ? "" : lines[0]) + "\n";
    for (std::size_t i = 1; i < lines.size(); ++i)
      out += std::string(std::string_view(label).size() + 6, ' ') + std::string(lines[i]) + "\n";
  };
  block("text", r.text);
  block("note", r.note);
}

nlohmann::ordered_json entry_json(const HistoryEntry& e) {
  const Record& r = e.record;
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["kind"] = r.kind;
  j["field"] = r.field.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.field);
  j["author"] = r.author;
  j["time"] = r.time;
  j["text"] = r.text;
  j["note"] = r.note;
  j["value_hash"] = r.value_hash;
  if (r.kind == "confirm") {
    j["value"] = e.current_value ? "current" : "earlier";
    j["replaced_by"] =
        e.replaced_by.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.replaced_by);
  }
  j["file"] = r.file;
  j["commit"] = e.commit.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.commit);
  j["commit_summary"] = e.commit_summary;
  j["branches"] = e.branches;
  return j;
}

}  // namespace

std::string history_text(const PersonaHistory& h) {
  std::string out = h.pid + " " + h.name + "\n";
  if (h.total == 0) {
    out += h.pending ? "no pending contributions" : "no contributions yet";
    if (h.fields.size() == 1) out += " to " + h.fields[0].field;
    return out + "\n";
  }
  out += plural(h.total, h.pending ? "pending contribution" : "contribution",
                h.pending ? "pending contributions" : "contributions") +
         " from " + plural(static_cast<int>(h.contributors.size()), "contributor", "contributors") +
         ", " + h.first_activity + " to " + h.last_activity + "\n";
  for (const auto& f : h.fields) {
    const FieldActivity& a = f.activity;
    out += "\n" + f.field + "\n";
    if (f.entries.empty()) {
      out += "  no contributions yet\n";
      continue;
    }
    out += "  confirmations: " + std::to_string(a.confirmations) + " of the current value, " +
           std::to_string(a.earlier_confirmations) + " of earlier values\n";
    out += "  corrections: " + std::to_string(a.corrections) +
           ", extensions: " + std::to_string(a.extensions) +
           ", comments: " + std::to_string(a.comments) + "\n";
    out += "  contributors: " + std::to_string(a.contributors.size()) + " (" +
           names(a.contributors) + ")\n";
    out += "  first: " + f.first_activity + ", last: " + a.last_activity + "\n";
    for (const auto& e : f.entries) entry_text(out, e);
  }
  if (!h.comments.empty()) {
    out += "\ncomments on the whole persona: " + std::to_string(h.comments.size()) + "\n";
    for (const auto& e : h.comments) entry_text(out, e);
  }
  return out;
}

std::string history_json(const PersonaHistory& h) {
  nlohmann::ordered_json j;
  j["pid"] = h.pid;
  j["name"] = h.name;
  j["head"] = h.head.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(h.head);
  j["pending"] = h.pending;
  j["total"] = h.total;
  j["contributors"] = std::vector<std::string>(h.contributors.begin(), h.contributors.end());
  j["first_activity"] = h.first_activity.empty() ? nlohmann::ordered_json()
                                                 : nlohmann::ordered_json(h.first_activity);
  j["last_activity"] =
      h.last_activity.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(h.last_activity);
  auto fields = nlohmann::ordered_json::array();
  for (const auto& f : h.fields) {
    const FieldActivity& a = f.activity;
    nlohmann::ordered_json fj;
    fj["field"] = f.field;
    fj["confirmations"] = {{"current", a.confirmations}, {"earlier", a.earlier_confirmations}};
    fj["corrections"] = a.corrections;
    fj["extensions"] = a.extensions;
    fj["comments"] = a.comments;
    fj["contributors"] = std::vector<std::string>(a.contributors.begin(), a.contributors.end());
    fj["first_activity"] = f.first_activity.empty() ? nlohmann::ordered_json()
                                                    : nlohmann::ordered_json(f.first_activity);
    fj["last_activity"] = a.last_activity.empty() ? nlohmann::ordered_json()
                                                  : nlohmann::ordered_json(a.last_activity);
    auto entries = nlohmann::ordered_json::array();
    for (const auto& e : f.entries) entries.push_back(entry_json(e));
    fj["contributions"] = entries;
    fields.push_back(fj);
  }
  j["fields"] = fields;
  auto comments = nlohmann::ordered_json::array();
  for (const auto& e : h.comments) comments.push_back(entry_json(e));
  j["comments"] = comments;
  return j.dump(2) + "\n";
}

}  // namespace persona
