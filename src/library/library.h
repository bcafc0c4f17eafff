#pragma once
/// Loading a persona library: find its root, read library.yaml and every persona file, validate
/// them (schema + library rules, all files, every problem collected) and build the model.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/posix.h"
#include "library/persona.h"
#include "library/records.h"
#include "schema/schema.h"
#include "yaml/tree.h"

namespace persona {

inline constexpr const char* kConfigFile = "library.yaml";
inline constexpr const char* kPersonasDir = "personas";

/// library.yaml, with defaults for what it leaves out.
struct Config {
  std::string name = "Persona Library";
  std::string description;
  std::string base_url;
  std::string repository;
  std::string contribute_url;
  std::string branch_prefix = "contrib";
  bool require_note = false;
};

/// One persona file as read and checked.
struct PersonaFile {
  std::string path;  ///< relative to the library root ('/'-separated), or as given
  std::string text;
  std::optional<yaml::Node> root;  ///< set when the YAML parsed
  nlohmann::json doc;              ///< the tree as JSON (when parsed)
  std::vector<Diagnostic> diagnostics;
  /// Lean loads with the validation cache: what stat said of the file when it was listed (empty
  /// when not taken, or when the file had changed too recently to be trusted; core/posix.h).
  Stamp stamp;
  bool ok() const { return root.has_value() && count_errors(diagnostics) == 0; }
};

struct Library {
  std::filesystem::path root;  ///< empty when checking loose files outside any library
  Config config;
  std::vector<PersonaFile> files;        ///< sorted by path
  std::vector<Persona> personas;         ///< the files without errors, sorted by pid
  std::vector<RecordFile> record_files;  ///< contributions/**, sorted by path
  std::vector<Record> records;           ///< the records without errors
  std::vector<Diagnostic> diagnostics;   ///< every problem in every file, sorted

  const Persona* find(std::string_view pid) const;
  std::vector<std::string> pids() const;
  /// The text of a file the diagnostics refer to ("" if unknown), for source excerpts.
  std::string source(const std::string& path) const;
  std::string config_text;
  /// How many persona and record files the load read; the others were known unchanged from the
  /// validation cache by their stamp (library/cache.h).
  std::size_t files_read = 0;
};

/// The nearest directory at or above `start` holding library.yaml.
std::optional<std::filesystem::path> find_library_root(const std::filesystem::path& start);
/// As above, or throws persona::Error (exit 3) explaining how to point at a library.
std::filesystem::path require_library_root(const std::filesystem::path& start);

struct LoadOptions {
  std::shared_ptr<const schema::Schema> schema;         ///< persona schema (default: built-in)
  std::shared_ptr<const schema::Schema> config_schema;  ///< library.yaml schema
  unsigned jobs = 0;                                    ///< worker threads; 0 = one per core
  std::string now;  ///< current UTC time (2026-11-28T17:30:00Z); "" = the system clock
  /// false: keep only what a validation report needs, so memory stays flat however large the
  /// library is. Every diagnostic is the same, but each file's `text` is dropped (source() reads
  /// the file again when a report quotes it), its `root` holds the `pid` entry alone, `doc` is
  /// empty, and `personas` is not built. For `validate`; commands that use the model keep the
  /// default.
  bool keep_content = true;
  /// With keep_content false: the folder of the per-file result cache (library/cache.h), or ""
  /// for none. Results are the same with or without it.
  std::filesystem::path cache_dir;
  /// The clock the cache's stamps are judged by (nanoseconds since the epoch; 0 = the system
  /// clock): a file changed less than two seconds before it is read rather than trusted.
  std::uint64_t stamp_clock_ns = 0;
};

/// library.yaml under `root`: its text, its problems, and its settings (the defaults when it does
/// not parse or does not validate against `config_schema`, default the built-in one). Throws
/// persona::Error (exit 3) when it cannot be read. load_library() reads it this way.
struct LoadedConfig {
  Config config;
  std::string text;
  std::vector<Diagnostic> diagnostics;
};
LoadedConfig load_config_file(const std::filesystem::path& root,
                              std::shared_ptr<const schema::Schema> config_schema = nullptr);

/// Loads and validates the whole library under `root`.
Library load_library(const std::filesystem::path& root, const LoadOptions& options = {});

/// Loads loose files (no library around them): schema and per-file rules only.
Library load_files(const std::vector<std::filesystem::path>& files,
                   const LoadOptions& options = {});

/// Reads a file whole; throws persona::Error (exit 3) naming it on failure. Files larger than
/// `cap` bytes are read only up to cap + 1 bytes, enough to report them as too large; `size`,
/// when given, receives the file's real size for that report.
std::string read_file(const std::filesystem::path& p, std::size_t cap = std::size_t(-1),
                      std::size_t* size = nullptr);

/// Parses and checks one persona file's text (schema and per-file rules, not cross-file ones).
/// `file_size`: the file's real size when `text` is only its first bytes (see read_file()).
PersonaFile check_persona_text(std::string path, std::string text, const schema::Schema& schema,
                               bool check_path, std::size_t file_size = 0);

/// Builds the model from a file that passed its checks.
Persona build_persona(const PersonaFile& f);

/// Every persona file under <root>/personas, relative and sorted.
std::vector<std::string> list_persona_files(const std::filesystem::path& root);

}  // namespace persona
