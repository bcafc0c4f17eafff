#include "library/records.h"

#include <algorithm>

#include "core/error.h"
#include "core/hash.h"
#include "core/text.h"
#include "core/untrusted.h"
#include "library/listing.h"

namespace persona {
namespace fs = std::filesystem;

std::string record_id_content(const Record& r) {
  return "pid " + r.pid + "\nkind " + r.kind + "\nfield " + r.field + "\ntime " + r.time +
         "\nauthor " + r.author + "\nvalue_hash " + r.value_hash + "\ntext " + r.text + "\nnote " +
         r.note + "\n";
}

std::string record_id(const Record& r) { return blob_id(record_id_content(r)).substr(0, 12); }

std::string record_path(const Record& r) {
  std::string compact;
  for (char c : r.time)
    if (c != '-' && c != ':') compact += c;
  return std::string(kRecordsDir) + "/" + r.pid + "/" + compact + "-" + r.id + ".yaml";
}

yaml::Node record_tree(const Record& r) {
  // Every value is a string node: the emitter writes it plain when it reads back as the same
  // string and quotes it otherwise, so an id like 72860e004881 (a float if plain) or an author
  // named "null" stays text.
  yaml::Node m = yaml::make_mapping();
  yaml::append(m, "id", yaml::make_scalar(r.id));
  yaml::append(m, "pid", yaml::make_scalar(r.pid));
  yaml::append(m, "kind", yaml::make_scalar(r.kind));
  if (!r.field.empty()) yaml::append(m, "field", yaml::make_scalar(r.field));
  if (!r.text.empty()) yaml::append(m, "text", yaml::make_scalar(r.text));
  if (!r.note.empty()) yaml::append(m, "note", yaml::make_scalar(r.note));
  yaml::append(m, "author", yaml::make_scalar(r.author));
  yaml::append(m, "time", yaml::make_scalar(r.time));
  if (!r.value_hash.empty()) yaml::append(m, "value_hash", yaml::make_scalar(r.value_hash));
  return m;
}

std::string value_hash(std::string_view v) { return blob_id(v); }

std::vector<std::string> list_record_files(const fs::path& root) {
  return list_records(root).paths;
}

namespace {

bool has_email(std::string_view s) {
  for (std::size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
    if (at == 0 || at + 1 >= s.size()) continue;
    auto ok = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
             c == '+';
    };
    if (!ok(s[at - 1])) continue;
    std::size_t j = at + 1;
    bool dot = false;
    while (j < s.size() && ok(s[j])) {
      if (s[j] == '.' && j > at + 1 && j + 1 < s.size() &&
          std::isalnum(static_cast<unsigned char>(s[j + 1])))
        dot = true;
      ++j;
    }
    if (dot) return true;
  }
  return false;
}

std::string str(const yaml::Node& root, const char* key) {
  const yaml::Node* n = root.find(key);
  return n && n->is_scalar() ? n->value : std::string();
}

}  // namespace

RecordFile check_record_text(std::string path, std::string text, const schema::Schema& schema,
                             const std::string& now, std::size_t file_size) {
  RecordFile f;
  f.path = std::move(path);
  f.text = std::move(text);
  auto parsed = yaml::parse(f.text, f.path, {}, file_size);
  f.diagnostics = std::move(parsed.diagnostics);
  if (!parsed.root) return f;
  const yaml::Node& root = *parsed.root;
  auto doc = schema::to_json(root);
  auto sd = schema.validate(root, doc, f.path);
  f.diagnostics.insert(f.diagnostics.end(), sd.begin(), sd.end());
  if (!f.diagnostics.empty()) return f;
  Record r;
  r.file = f.path;
  r.id = str(root, "id");
  r.pid = str(root, "pid");
  r.kind = str(root, "kind");
  r.field = str(root, "field");
  r.text = str(root, "text");
  r.note = str(root, "note");
  r.author = str(root, "author");
  r.time = str(root, "time");
  r.value_hash = str(root, "value_hash");
  auto at = [&](const char* key) {
    const yaml::Node* k = root.find(key);
    return k ? k->mark : root.mark;
  };
  auto add = [&](const char* code, const char* key, std::string msg, std::string hint = {}) {
    yaml::Mark m = at(key);
    f.diagnostics.push_back(Diagnostic{code, Severity::kError, f.path, m.line, m.column,
                                       std::move(msg), std::move(hint)});
  };
  std::string expected_id = record_id(r);
  if (r.id != expected_id)
    add("record-edited", "id",
        "record content does not match its id " + quote(r.id) + " (it hashes to " +
            quote(expected_id) + ")",
        "records are never edited: add a new contribution instead");
  std::string expected_path = record_path(r);
  if (f.path != expected_path && r.id == expected_id)
    add("record-path", "pid",
        "record is at " + quote(f.path, 200) + " but belongs at " + quote(expected_path, 200));
  for (const char* key : {"author", "note", "text"})
    if (has_email(str(root, key)))
      add("record-email", key, std::string("'") + key + "' contains an email address",
          "records are published: use a display name and no email addresses");
  if (std::string why = display_name_problem(r.author); !r.author.empty() && !why.empty())
    add("record-author", "author", "'author' cannot be a display name: " + why,
        "a display name is one line without control characters, at most 100 characters");
  if (r.time > now) add("record-time", "time", "time " + quote(r.time) + " is in the future");
  if (!r.field.empty() && r.kind != "comment") {
    std::string err;
    auto p = parse_record_field_path(r.field, &err);
    if (!p)
      add("record-field", "field", err);
    else if (r.kind == "extend" && p->item)
      add("record-field", "field", "an extension adds to a whole field, not to " + quote(r.field),
          "use the list's name, e.g. " + quote(p->field));
  } else if (!r.field.empty()) {
    std::string err;
    if (!parse_record_field_path(r.field, &err)) add("record-field", "field", err);
  }
  if (count_errors(f.diagnostics) == 0) f.record = std::move(r);
  return f;
}

bool contains_email(std::string_view s) { return has_email(s); }

PersonaIndex index_by_pid(const std::vector<Persona>& personas) {
  PersonaIndex out;
  out.reserve(personas.size());
  for (const auto& p : personas) out.emplace(p.pid, &p);
  return out;
}

std::vector<Diagnostic> record_library_rules(const RecordFile& f,
                                             const std::vector<Persona>& personas,
                                             const PersonaIndex& by_pid) {
  std::vector<Diagnostic> out;
  if (!f.record) return out;
  const Record& r = *f.record;
  auto found = by_pid.find(r.pid);
  if (found == by_pid.end()) {
    std::vector<std::string> pids;
    pids.reserve(personas.size());
    for (const auto& p : personas) pids.push_back(p.pid);
    out.push_back(Diagnostic{"record-pid", Severity::kError, f.path, 2, 1,
                             "record is for " + quote(r.pid) + ", which no valid persona has",
                             did_you_mean(r.pid, pids)});
    return out;
  }
  if (!r.field.empty()) {
    auto p = parse_record_field_path(r.field, nullptr);
    if (p && !found->second->value(*p)) {
      out.push_back(Diagnostic{"record-field",
                               Severity::kWarning,
                               f.path,
                               4,
                               1,
                               "field " + quote(r.field) + " no longer exists in " + quote(r.pid),
                               {}});
    }
  }
  return out;
}

std::map<std::string, PersonaActivity> compute_activity(const std::vector<Persona>& personas,
                                                        const std::vector<Record>& records) {
  std::map<std::string, PersonaActivity> out;
  std::map<std::string, const Persona*> by_pid;
  for (const auto& p : personas) {
    by_pid[p.pid] = &p;
    auto& a = out[p.pid];
    for (const auto& def : profile_fields()) a.fields[std::string(def.name)];
  }
  std::vector<const Record*> sorted;
  sorted.reserve(records.size());
  for (const auto& r : records) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(), [](const Record* a, const Record* b) {
    return std::tie(a->time, a->file) < std::tie(b->time, b->file);
  });
  for (const Record* r : sorted) {
    auto pit = by_pid.find(r->pid);
    if (pit == by_pid.end()) continue;
    PersonaActivity& a = out[r->pid];
    a.records.push_back(r);
    a.contributors.insert(r->author);
    a.last_activity = std::max(a.last_activity, r->time);
    if (r->kind == "comment") a.comments.push_back(r);
    if (r->field.empty()) continue;
    auto path = parse_record_field_path(r->field, nullptr);
    if (!path) continue;
    FieldActivity& fa = a.fields[path->field];
    fa.contributors.insert(r->author);
    fa.last_activity = std::max(fa.last_activity, r->time);
    if (r->kind == "confirm") {
      auto v = pit->second->canonical_value(*path);
      if (v && value_hash(*v) == r->value_hash)
        ++fa.confirmations;
      else
        ++fa.earlier_confirmations;
    } else if (r->kind == "correct") {
      ++fa.corrections;
    } else if (r->kind == "extend") {
      ++fa.extensions;
    } else {
      ++fa.comments;
    }
  }
  return out;
}

}  // namespace persona
