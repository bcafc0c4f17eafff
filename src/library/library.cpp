#include "library/library.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/parallel.h"
#include "core/posix.h"
#include "core/text.h"
#include "core/time.h"
#include "library/cache.h"
#include "library/listing.h"
#include "library/rules.h"

namespace persona {
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const schema::Schema> persona_schema(const LoadOptions& o) {
  return o.schema ? o.schema : schema::Schema::builtin("persona");
}

std::string get_string(const yaml::Node& root, std::string_view key) {
  const yaml::Node* n = root.find(key);
  return n && n->is_scalar() ? n->value : std::string();
}

/// Runs fn(i) for i in [0, n) on `jobs` threads.
void finish(Library& lib, bool cross_rules) {
  if (cross_rules) {
    auto extra = library_rules(lib.files);
    for (auto& d : extra) {
      for (auto& f : lib.files)
        if (f.path == d.file) f.diagnostics.push_back(d);
    }
  }
  for (auto& f : lib.files) {
    sort_diagnostics(f.diagnostics);
    lib.diagnostics.insert(lib.diagnostics.end(), f.diagnostics.begin(), f.diagnostics.end());
    if (f.ok()) lib.personas.push_back(build_persona(f));
  }
  sort_diagnostics(lib.diagnostics);
  std::sort(lib.personas.begin(), lib.personas.end(),
            [](const Persona& a, const Persona& b) { return a.pid < b.pid; });
}

}  // namespace

namespace {
/// Loaders keep these vectors sorted by key, so a lookup is a binary search; the linear pass
/// only runs for a key that is absent (or a vector someone filled out of order).
template <typename T, typename Key>
const T* sorted_find(const std::vector<T>& v, std::string_view key, Key key_of) {
  auto it = std::lower_bound(v.begin(), v.end(), key,
                             [&](const T& x, std::string_view k) { return key_of(x) < k; });
  if (it != v.end() && key_of(*it) == key) return &*it;
  for (const auto& x : v)
    if (key_of(x) == key) return &x;
  return nullptr;
}
}  // namespace

const Persona* Library::find(std::string_view pid) const {
  return sorted_find(personas, pid, [](const Persona& p) -> std::string_view { return p.pid; });
}

std::vector<std::string> Library::pids() const {
  std::vector<std::string> out;
  for (const auto& p : personas) out.push_back(p.pid);
  return out;
}

std::string Library::source(const std::string& path) const {
  // Without keep_content the texts are not held: read the file again for the excerpt.
  auto reread = [&](const std::string& text) -> std::string {
    if (!text.empty() || root.empty()) return text;
    try {
      return read_file(root / path, yaml::Limits{}.max_file_bytes);
    } catch (const Error&) {
      return {};
    }
  };
  if (path == kConfigFile) return config_text;
  auto by_path = [](const auto& f) -> std::string_view { return f.path; };
  if (const PersonaFile* f = sorted_find(files, path, by_path)) return reread(f->text);
  if (const RecordFile* f = sorted_find(record_files, path, by_path)) return reread(f->text);
  return {};
}

std::optional<fs::path> find_library_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  if (!fs::is_directory(dir, ec)) dir = dir.parent_path();
  for (int guard = 0; guard < 256; ++guard) {
    if (fs::is_regular_file(dir / kConfigFile, ec)) return dir;
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return std::nullopt;
}

fs::path require_library_root(const fs::path& start) {
  if (auto r = find_library_root(start)) return *r;
  std::error_code ec;
  throw io_error("not inside a persona library (no " + std::string(kConfigFile) + " in " +
                     quote(fs::absolute(start, ec).string(), 200) + " or any parent directory)",
                 "run this in a clone of a library, or pass --repo DIR");
}

std::string read_file(const fs::path& p, std::size_t cap, std::size_t* size) {
  // open/fstat/read rather than a stream: the buffer is sized to the file, so a 5 KB file held
  // for the whole run costs 5 KB and not the cap (which is what made validate need 1 MiB a file).
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw io_error("cannot read " + quote(p.string(), 200) + ": " +
                   std::strerror(err ? err : ENOENT));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  std::size_t want = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) want = static_cast<std::size_t>(st.st_size);
  std::size_t limit = cap == std::size_t(-1) ? cap : cap + 1;
  std::string out;
  out.resize(std::min(want, limit) + (want < limit ? 1 : 0));  // +1 to see a file that grew
  std::size_t got = 0;
  for (;;) {
    if (got == out.size()) {
      if (out.size() >= limit) break;
      out.resize(std::min(limit, std::max<std::size_t>(out.size() * 2, 4096)));
    }
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("cannot read " + quote(p.string(), 200));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  if (size) *size = std::max(want, got);
  return out;
}

std::vector<std::string> list_persona_files(const fs::path& root) {
  return list_personas(root).paths;
}

namespace {
/// check_persona_text(), with the JSON document built only when `keep_doc` (the lean load for
/// reports never reads it).
PersonaFile check_text(std::string path, std::string text, const schema::Schema& schema,
                       bool check_path, bool keep_doc, std::size_t file_size = 0) {
  PersonaFile f;
  f.path = std::move(path);
  f.text = std::move(text);
  yaml::Limits limits;
  auto parsed = yaml::parse(f.text, f.path, limits, file_size);
  f.diagnostics = std::move(parsed.diagnostics);
  if (!parsed.root) return f;
  f.root = std::move(parsed.root);
  if (keep_doc) f.doc = schema::to_json(*f.root);
  auto sd = schema.validate(*f.root, f.path);
  f.diagnostics.insert(f.diagnostics.end(), sd.begin(), sd.end());
  // A field in the earlier format keeps the schema's complaint about its type (the verdict, as
  // ajv gives it) and gets legacy-format's beside it, which says where it comes from and the fix.
  auto rd = file_rules(f, check_path);
  f.diagnostics.insert(f.diagnostics.end(), rd.begin(), rd.end());
  if (check_path && f.path.size() > 4 && f.path.substr(f.path.size() - 4) == ".yml") {
    f.diagnostics.push_back(Diagnostic{"path-mismatch",
                                       Severity::kError,
                                       f.path,
                                       0,
                                       0,
                                       "persona files end in '.yaml', not '.yml'",
                                       {}});
  }
  return f;
}
}  // namespace

PersonaFile check_persona_text(std::string path, std::string text, const schema::Schema& schema,
                               bool check_path, std::size_t file_size) {
  return check_text(std::move(path), std::move(text), schema, check_path, true, file_size);
}

Persona build_persona(const PersonaFile& f) {
  Persona p;
  const yaml::Node& r = *f.root;
  p.file = f.path;
  p.pid = get_string(r, "pid");
  p.name = get_string(r, "name");
  p.app = get_string(r, "app");
  p.category = get_string(r, "category");
  if (const yaml::Node* t = r.find("tags"))
    for (const auto& c : t->children) p.tags.push_back(c.value);
  if (const yaml::Node* v = r.find("version"); v && v->is_scalar()) p.version = v->value;
  for (const auto& def : profile_fields()) {
    const yaml::Node* n = r.find(def.name);
    if (!n) continue;
    if (def.kind == FieldKind::kText) {
      p.text[std::string(def.name)] = n->value;
    } else {
      auto& items = p.lists[std::string(def.name)];
      for (const auto& c : n->children) items.push_back(c.value);
    }
  }
  return p;
}

LoadedConfig load_config_file(const fs::path& root,
                              std::shared_ptr<const schema::Schema> config_schema) {
  LoadedConfig out;
  yaml::Limits limits;
  if (!config_schema) config_schema = schema::Schema::builtin("library");
  std::size_t size = 0;
  out.text = read_file(root / kConfigFile, limits.max_file_bytes, &size);
  auto parsed = yaml::parse(out.text, kConfigFile, limits, size);
  out.diagnostics = parsed.diagnostics;
  if (!parsed.root) return out;
  auto doc = schema::to_json(*parsed.root);
  auto sd = config_schema->validate(*parsed.root, doc, kConfigFile);
  out.diagnostics.insert(out.diagnostics.end(), sd.begin(), sd.end());
  if (!sd.empty()) return out;
  Config& config = out.config;
  auto str = [&](const char* k, std::string& dst) {
    if (doc.contains(k) && doc[k].is_string()) dst = doc[k].get<std::string>();
  };
  str("name", config.name);
  str("description", config.description);
  str("base_url", config.base_url);
  str("repository", config.repository);
  str("contribute_url", config.contribute_url);
  if (doc.contains("contributions")) {
    const auto& c = doc["contributions"];
    if (c.contains("branch_prefix")) config.branch_prefix = c["branch_prefix"].get<std::string>();
    if (c.contains("require_note")) config.require_note = c["require_note"].get<bool>();
  }
  return out;
}

namespace {

/// A lean load's summary of one file: from its validation cache entry when the entry is the
/// file's (by its stamp, without reading it; else by the hash of its bytes), else from `check`
/// of its text. `decode` reads an entry (nothing when it no longer holds). With the cache,
/// `keep` gets what the next save keeps of the file (a view of the entry, or of `fresh`, a new
/// entry), and `changed` is set when that is new.
template <typename Summary, typename Decode, typename Check>
Summary summary_of(const cache::Cache& cache, const fs::path& root, const std::string& path,
                   std::uint64_t max_bytes, const cache::Cache::Entry* entry, const Stamp& stamp,
                   Decode decode, Check check, std::string_view* keep, std::string* fresh,
                   std::atomic<bool>& changed, std::atomic<std::size_t>& read_count) {
  std::optional<Summary> s;
  if (entry && !stamp.empty() && entry->stamp == stamp) s = decode(*entry);
  if (s) {
    *keep = entry->bytes;
    return std::move(*s);
  }
  std::size_t size = 0;
  std::string text = read_file(root / path, max_bytes, &size);
  ++read_count;
  cache::Digest digest;
  if (cache.enabled()) {
    digest = cache.hash(text);
    if (entry && entry->digest == digest) s = decode(*entry);
    if (s && entry->stamp == stamp) {
      *keep = entry->bytes;
      return std::move(*s);
    }
  }
  // Same bytes with a new stamp (touched, copied, or now old enough to trust), or new bytes.
  if (!s) s = check(std::move(text), size);
  if (cache.enabled()) {
    *fresh = cache::Cache::encode(path, digest, stamp, *s);
    *keep = *fresh;
    changed = true;
  }
  return std::move(*s);
}

}  // namespace

namespace {

/// One run of load_library, stage by stage: library.yaml, the persona files (each read and
/// checked, or its summary taken from the cache when lean), the rules across them, the record
/// files, the records' rules against the personas, and the cache saved.
class LibraryLoad {
 public:
  LibraryLoad(const fs::path& root, const LoadOptions& options)
      : options_(options),
        lean_(!options.keep_content),
        schema_(persona_schema(options)),
        record_schema_(schema::Schema::builtin("record")) {
    lib_.root = root;
    if (lean_ && !options.cache_dir.empty())
      cache_ = cache::Cache::open(options.cache_dir, root,
                                  schema_->raw().dump() + "\n" + record_schema_->raw().dump());
    // The clock the stamps are judged by, read before the first stamp is taken.
    const std::uint64_t started = options.stamp_clock_ns ? options.stamp_clock_ns : now_ns();
    list_options_ = ListOptions{cache_.enabled(), started, options.jobs};
  }

  Library run() {
    LoadedConfig c = load_config_file(lib_.root, options_.config_schema);
    lib_.config = std::move(c.config);
    lib_.config_text = std::move(c.text);
    read_personas();
    std::vector<std::size_t> ok_files = check_personas();
    lib_.diagnostics.insert(lib_.diagnostics.end(), c.diagnostics.begin(), c.diagnostics.end());
    read_records();
    std::vector<Persona> shapes = lean_ ? shape_personas(ok_files) : std::vector<Persona>();
    check_records(lean_ ? shapes : lib_.personas);
    lib_.files_read = read_count_;
    if (cache_.enabled()) {
      bool removed =
          cache_.persona_entries() != persona_count_ || cache_.record_entries() != record_count_;
      cache_.save(persona_entries_, record_entries_, cache_changed_ || removed);
    }
    return std::move(lib_);
  }

 private:
  /// Reads every persona file: checked in full, or (lean) summarized, from the cache when it can.
  void read_personas() {
    Listing listing = list_personas(lib_.root, list_options_);
    std::vector<std::string>& paths = listing.paths;
    persona_count_ = paths.size();
    lib_.files.resize(paths.size());
    // Cache entries for the next save: views of the entries read, or new ones (misses).
    persona_entries_.resize(lean_ && cache_.enabled() ? paths.size() : 0);
    new_persona_entries_.resize(persona_entries_.size());
    // Lean: what the rules across files and the records' rules need of each file besides its head.
    mentions_.resize(lean_ ? paths.size() : 0);
    fields_.resize(lean_ ? paths.size() : 0);
    parallel_for(paths.size(), options_.jobs, [&](std::size_t i) {
      if (!lean_) {
        std::size_t size = 0;
        std::string text = read_file(lib_.root / paths[i], limits_.max_file_bytes, &size);
        ++read_count_;
        lib_.files[i] = check_persona_text(paths[i], std::move(text), *schema_, true, size);
        return;
      }
      Stamp stamp;
      const cache::Cache::Entry* entry = nullptr;
      if (cache_.enabled()) {
        stamp = listing.stamps[i];
        entry = cache_.persona_entry(paths[i], i);
      }
      cache::FileSummary s = summary_of<cache::FileSummary>(
          cache_, lib_.root, paths[i], limits_.max_file_bytes, entry, stamp,
          [](const cache::Cache::Entry& e) { return cache::Cache::persona(e); },
          [&](std::string text, std::size_t size) {
            PersonaFile full = check_text(paths[i], std::move(text), *schema_, true, false, size);
            return cache::summarize(full);
          },
          cache_.enabled() ? &persona_entries_[i] : nullptr,
          cache_.enabled() ? &new_persona_entries_[i] : nullptr, cache_changed_, read_count_);
      PersonaFile& f = lib_.files[i];
      f.path = std::move(paths[i]);  // not needed in `paths` any more
      f.stamp = stamp;
      f.diagnostics = std::move(s.diagnostics);
      f.root = std::move(s.head);
      mentions_[i] = std::move(s.mentions);
      fields_[i] = std::move(s.fields);
    });
  }

  /// The rules across persona files; builds the personas (full) or returns the files a persona
  /// would be built from (lean).
  std::vector<std::size_t> check_personas() {
    std::vector<std::size_t> ok_files;
    if (!lean_) {
      finish(lib_, true);
      return ok_files;
    }
    auto extra = library_rules(lib_.files, mentions_);
    if (!extra.empty()) {
      // As finish() does: a diagnostic goes to every file with its path (a symlink can give two).
      std::unordered_multimap<std::string_view, std::size_t> index;
      for (std::size_t i = 0; i < lib_.files.size(); ++i) index.emplace(lib_.files[i].path, i);
      for (auto& d : extra) {
        auto [from, to] = index.equal_range(d.file);
        std::vector<std::size_t> at;
        for (auto it = from; it != to; ++it) at.push_back(it->second);
        std::sort(at.begin(), at.end());
        for (std::size_t i : at) lib_.files[i].diagnostics.push_back(d);
      }
    }
    for (std::size_t i = 0; i < lib_.files.size(); ++i) {
      auto& f = lib_.files[i];
      sort_diagnostics(f.diagnostics);
      lib_.diagnostics.insert(lib_.diagnostics.end(), f.diagnostics.begin(), f.diagnostics.end());
      if (f.ok()) ok_files.push_back(i);
    }
    sort_diagnostics(lib_.diagnostics);
    return ok_files;
  }

  /// Reads every contribution record file, as read_personas() reads persona files.
  void read_records() {
    now_ = options_.now.empty() ? utc_now() : options_.now;
    Listing listing = list_records(lib_.root, list_options_);
    std::vector<std::string>& paths = listing.paths;
    record_count_ = paths.size();
    lib_.record_files.resize(paths.size());
    record_entries_.resize(lean_ && cache_.enabled() ? paths.size() : 0);
    new_record_entries_.resize(record_entries_.size());
    parallel_for(paths.size(), options_.jobs, [&](std::size_t i) {
      if (!lean_) {
        std::size_t size = 0;
        std::string text = read_file(lib_.root / paths[i], limits_.max_file_bytes, &size);
        ++read_count_;
        lib_.record_files[i] =
            check_record_text(paths[i], std::move(text), *record_schema_, now_, size);
        return;
      }
      Stamp stamp;
      const cache::Cache::Entry* entry = nullptr;
      if (cache_.enabled()) {
        stamp = listing.stamps[i];
        entry = cache_.record_entry(paths[i], i);
      }
      cache::RecordSummary s = summary_of<cache::RecordSummary>(
          cache_, lib_.root, paths[i], limits_.max_file_bytes, entry, stamp,
          [&](const cache::Cache::Entry& e) { return cache::Cache::record(e, now_); },
          [&](std::string text, std::size_t size) {
            RecordFile full =
                check_record_text(paths[i], std::move(text), *record_schema_, now_, size);
            return cache::RecordSummary{std::move(full.diagnostics), std::move(full.record), now_};
          },
          cache_.enabled() ? &record_entries_[i] : nullptr,
          cache_.enabled() ? &new_record_entries_[i] : nullptr, cache_changed_, read_count_);
      RecordFile& f = lib_.record_files[i];
      f.path = std::move(paths[i]);  // not needed in `paths` any more
      f.record = std::move(s.record);
      f.diagnostics = std::move(s.diagnostics);
    });
  }

  /// Lean: stand-ins for the personas, for the records' rules, in pid order as the full load
  /// sorts its personas; field shapes only for the personas a record names, the others need just
  /// their pid.
  std::vector<Persona> shape_personas(const std::vector<std::size_t>& ok_files) const {
    std::vector<Persona> out;
    if (lib_.record_files.empty()) return out;
    std::unordered_set<std::string_view> named;
    for (const auto& f : lib_.record_files)
      if (f.record) named.insert(f.record->pid);
    // The pids and not the personas are sorted, which would move thousands of them around.
    std::vector<std::pair<std::string_view, std::size_t>> order;  // pid, file
    order.reserve(ok_files.size());
    for (std::size_t i : ok_files) {
      const yaml::Node* pid = lib_.files[i].root->find("pid");
      order.emplace_back(
          pid && pid->is_scalar() ? std::string_view(pid->value) : std::string_view(), i);
    }
    std::sort(order.begin(), order.end());
    out.reserve(order.size());
    for (const auto& [pid, i] : order) {
      if (named.count(pid)) {
        out.push_back(cache::shape_persona(std::string(pid), fields_[i], lib_.files[i].path));
      } else {
        Persona& p = out.emplace_back();
        p.file = lib_.files[i].path;
        p.pid = pid;
      }
    }
    return out;
  }

  /// The records' rules against the personas; the records without errors go to lib.records.
  void check_records(const std::vector<Persona>& personas) {
    PersonaIndex by_pid = index_by_pid(personas);
    for (auto& f : lib_.record_files) {
      auto extra = record_library_rules(f, personas, by_pid);
      f.diagnostics.insert(f.diagnostics.end(), extra.begin(), extra.end());
      lib_.diagnostics.insert(lib_.diagnostics.end(), f.diagnostics.begin(), f.diagnostics.end());
      if (f.record && count_errors(f.diagnostics) == 0) lib_.records.push_back(*f.record);
    }
    sort_diagnostics(lib_.diagnostics);
  }

  const LoadOptions& options_;
  const bool lean_;
  std::shared_ptr<const schema::Schema> schema_, record_schema_;
  yaml::Limits limits_;
  cache::Cache cache_;
  ListOptions list_options_{};
  Library lib_;
  std::string now_;
  std::size_t persona_count_ = 0, record_count_ = 0;
  std::atomic<bool> cache_changed_{false};
  std::atomic<std::size_t> read_count_{0};
  std::vector<std::string_view> persona_entries_, record_entries_;
  std::vector<std::string> new_persona_entries_, new_record_entries_;
  std::vector<Mentions> mentions_;
  std::vector<std::vector<int>> fields_;
};

}  // namespace

Library load_library(const fs::path& root, const LoadOptions& options) {
  return LibraryLoad(root, options).run();
}

Library load_files(const std::vector<fs::path>& files, const LoadOptions& options) {
  Library lib;
  auto schema = persona_schema(options);
  yaml::Limits limits;
  lib.files.resize(files.size());
  parallel_for(files.size(), options.jobs, [&](std::size_t i) {
    std::size_t size = 0;
    std::string text = read_file(files[i], limits.max_file_bytes, &size);
    lib.files[i] =
        check_persona_text(files[i].generic_string(), std::move(text), *schema, false, size);
  });
  finish(lib, false);
  return lib;
}

}  // namespace persona
