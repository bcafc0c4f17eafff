#pragma once
/// Contribution records: one YAML file per contribution under contributions/<pid>/, never
/// edited afterwards, and the community figures computed from them.
///
/// File name: contributions/<pid>/<YYYYMMDDTHHMMSSZ>-<id>.yaml. The id is the first 12 hex digits
/// of blob_id(record_id_content(record)), so editing a record is detectable.
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/diagnostic.h"
#include "library/persona.h"
#include "schema/schema.h"
#include "yaml/tree.h"

namespace persona {

inline constexpr const char* kRecordsDir = "contributions";

struct Record {
  std::string file;  ///< relative to the library root
  std::string id;
  std::string pid;
  std::string kind;   ///< confirm | correct | extend | comment
  std::string field;  ///< field path ("" for a comment on the whole persona)
  std::string text;
  std::string note;
  std::string author;
  std::string time;        ///< 2026-11-28T17:30:00Z
  std::string value_hash;  ///< blob id of the value confirmed / replaced / extended
};

/// The content the id is computed from: every field but the id, one per line, in a fixed order.
std::string record_id_content(const Record& r);
/// blob_id(record_id_content(r)).substr(0, 12)
std::string record_id(const Record& r);
/// contributions/<pid>/<YYYYMMDDTHHMMSSZ>-<id>.yaml
std::string record_path(const Record& r);
/// The record as a YAML tree in canonical key order (for yaml::emit).
yaml::Node record_tree(const Record& r);

/// The hash recorded for a value: git blob id of its canonical text (Persona::canonical_value).
std::string value_hash(std::string_view canonical_value);

/// Every record file under <root>/contributions, relative and sorted.
std::vector<std::string> list_record_files(const std::filesystem::path& root);

/// Parses and checks one record file: schema, id, file name, pid directory, email addresses,
/// time not in the future (`now` as 2026-11-28T17:30:00Z). Cross-checks against the personas
/// (pid exists, field resolves) when `personas` is given.
struct RecordFile {
  std::string path;
  std::string text;
  std::optional<Record> record;  ///< set when the file passed its checks
  std::vector<Diagnostic> diagnostics;
};
RecordFile check_record_text(std::string path, std::string text, const schema::Schema& schema,
                             const std::string& now, std::size_t file_size = 0);
/// Personas by pid (the first of each pid), for record_library_rules.
using PersonaIndex = std::unordered_map<std::string_view, const Persona*>;
PersonaIndex index_by_pid(const std::vector<Persona>& personas);
/// Rules that need the personas: the pid exists and the field path resolves. `by_pid` is
/// index_by_pid(personas): looking a record's persona up must not cost a scan of the library.
std::vector<Diagnostic> record_library_rules(const RecordFile& f,
                                             const std::vector<Persona>& personas,
                                             const PersonaIndex& by_pid);

/// Community figures for one field of one persona.
struct FieldActivity {
  int confirmations = 0;          ///< confirmations of the current value
  int earlier_confirmations = 0;  ///< confirmations of values since corrected
  int corrections = 0;
  int extensions = 0;
  int comments = 0;
  std::string last_activity;  ///< time of the newest record, "" if none
  std::set<std::string> contributors;
};

struct PersonaActivity {
  std::map<std::string, FieldActivity> fields;  ///< by top-level field name
  std::vector<const Record*> comments;          ///< every comment, oldest first
  std::vector<const Record*> records;           ///< every record, oldest first
  int total() const { return static_cast<int>(records.size()); }
  std::string last_activity;
  std::set<std::string> contributors;
};

/// Figures for every persona (by pid). A confirmation counts for the current value only when
/// its value_hash is the hash of the value the persona has now.
std::map<std::string, PersonaActivity> compute_activity(const std::vector<Persona>& personas,
                                                        const std::vector<Record>& records);

/// True when `s` holds something that looks like an email address (records never may).
bool contains_email(std::string_view s);

}  // namespace persona
