#include "library/library.h"

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

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/posix.h"
#include "core/parallel.h"
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
    throw io_error("cannot read " + quote(p.string(), 200) + ": " + std::strerror(err ? err : ENOENT));
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
    f.diagnostics.push_back(Diagnostic{"path-mismatch", Severity::kError, f.path, 0, 0,
                                       "persona files end in '.yaml', not '.yml'", {}});
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

Library load_library(const fs::path& root, const LoadOptions& options) {
  Library lib;
  lib.root = root;
  yaml::Limits limits;
  // library.yaml
  {
    LoadedConfig c = load_config_file(root, options.config_schema);
    lib.config = std::move(c.config);
    lib.config_text = std::move(c.text);
    lib.diagnostics = std::move(c.diagnostics);
  }
  auto schema = persona_schema(options);
  auto record_schema = schema::Schema::builtin("record");
  const bool lean = !options.keep_content;
  cache::Cache cache;
  if (lean && !options.cache_dir.empty())
    cache = cache::Cache::open(options.cache_dir, root,
                               schema->raw().dump() + "\n" + record_schema->raw().dump());
  // The clock the stamps are judged by, read before the first stamp is taken.
  const std::uint64_t started = options.stamp_clock_ns ? options.stamp_clock_ns : now_ns();
  const ListOptions list_options{cache.enabled(), started, options.jobs};
  Listing listing = list_personas(root, list_options);
  std::vector<std::string>& paths = listing.paths;
  lib.files.resize(paths.size());
  std::atomic<bool> cache_changed{false};
  // Cache entries for the next save: views of the entries read, or new ones (misses).
  std::vector<std::string_view> persona_entries(lean && cache.enabled() ? paths.size() : 0);
  std::vector<std::string> new_entries(persona_entries.size());
  // Lean: what the rules across files and the records' rules need of each file besides its head.
  std::vector<Mentions> mentions(lean ? paths.size() : 0);
  std::vector<std::vector<int>> fields(lean ? paths.size() : 0);
  std::atomic<std::size_t> read_count{0};
  parallel_for(paths.size(), options.jobs, [&](std::size_t i) {
    if (!lean) {
      std::size_t size = 0;
      std::string text = read_file(root / paths[i], limits.max_file_bytes, &size);
      ++read_count;
      lib.files[i] = check_persona_text(paths[i], std::move(text), *schema, true, size);
      return;
    }
    Stamp stamp;
    const cache::Cache::Entry* entry = nullptr;
    if (cache.enabled()) {
      stamp = listing.stamps[i];
      entry = cache.persona_entry(paths[i], i);
    }
    cache::FileSummary s = summary_of<cache::FileSummary>(
        cache, root, paths[i], limits.max_file_bytes, entry, stamp,
        [](const cache::Cache::Entry& e) { return cache::Cache::persona(e); },
        [&](std::string text, std::size_t size) {
          PersonaFile full = check_text(paths[i], std::move(text), *schema, true, false, size);
          return cache::summarize(full);
        },
        cache.enabled() ? &persona_entries[i] : nullptr, cache.enabled() ? &new_entries[i] : nullptr,
        cache_changed, read_count);
    PersonaFile& f = lib.files[i];
    f.path = std::move(paths[i]);  // not needed in `paths` any more
    f.stamp = stamp;
    f.diagnostics = std::move(s.diagnostics);
    f.root = std::move(s.head);
    mentions[i] = std::move(s.mentions);
    fields[i] = std::move(s.fields);
  });
  auto config_diags = std::move(lib.diagnostics);
  lib.diagnostics.clear();
  std::vector<std::size_t> ok_files;  // lean: the files a persona would be built from
  if (!lean) {
    finish(lib, true);
  } else {
    auto extra = library_rules(lib.files, mentions);
    if (!extra.empty()) {
      // As finish() does: a diagnostic goes to every file with its path (a symlink can give two).
      std::unordered_multimap<std::string_view, std::size_t> index;
      for (std::size_t i = 0; i < lib.files.size(); ++i) index.emplace(lib.files[i].path, i);
      for (auto& d : extra) {
        auto [from, to] = index.equal_range(d.file);
        std::vector<std::size_t> at;
        for (auto it = from; it != to; ++it) at.push_back(it->second);
        std::sort(at.begin(), at.end());
        for (std::size_t i : at) lib.files[i].diagnostics.push_back(d);
      }
    }
    for (std::size_t i = 0; i < lib.files.size(); ++i) {
      auto& f = lib.files[i];
      sort_diagnostics(f.diagnostics);
      lib.diagnostics.insert(lib.diagnostics.end(), f.diagnostics.begin(), f.diagnostics.end());
      if (f.ok()) ok_files.push_back(i);
    }
    sort_diagnostics(lib.diagnostics);
  }
  lib.diagnostics.insert(lib.diagnostics.end(), config_diags.begin(), config_diags.end());

  // Contribution records, checked against the personas just built.
  std::string now = options.now.empty() ? utc_now() : options.now;
  Listing record_listing = list_records(root, list_options);
  std::vector<std::string>& record_paths = record_listing.paths;
  lib.record_files.resize(record_paths.size());
  std::vector<std::string_view> record_entries(lean && cache.enabled() ? record_paths.size() : 0);
  std::vector<std::string> new_record_entries(record_entries.size());
  parallel_for(record_paths.size(), options.jobs, [&](std::size_t i) {
    if (!lean) {
      std::size_t size = 0;
      std::string text = read_file(root / record_paths[i], limits.max_file_bytes, &size);
      ++read_count;
      lib.record_files[i] =
          check_record_text(record_paths[i], std::move(text), *record_schema, now, size);
      return;
    }
    Stamp stamp;
    const cache::Cache::Entry* entry = nullptr;
    if (cache.enabled()) {
      stamp = record_listing.stamps[i];
      entry = cache.record_entry(record_paths[i], i);
    }
    cache::RecordSummary s = summary_of<cache::RecordSummary>(
        cache, root, record_paths[i], limits.max_file_bytes, entry, stamp,
        [&](const cache::Cache::Entry& e) { return cache::Cache::record(e, now); },
        [&](std::string text, std::size_t size) {
          RecordFile full =
              check_record_text(record_paths[i], std::move(text), *record_schema, now, size);
          return cache::RecordSummary{std::move(full.diagnostics), std::move(full.record), now};
        },
        cache.enabled() ? &record_entries[i] : nullptr, cache.enabled() ? &new_record_entries[i] : nullptr,
        cache_changed, read_count);
    RecordFile& f = lib.record_files[i];
    f.path = std::move(record_paths[i]);  // not needed in `record_paths` any more
    f.record = std::move(s.record);
    f.diagnostics = std::move(s.diagnostics);
  });
  std::vector<Persona> shape_personas;  // lean: stand-ins for the personas, for the records' rules
  if (lean && !lib.record_files.empty()) {
    // Field shapes only for the personas a record names; the others need just their pid.
    std::unordered_set<std::string_view> named;
    for (const auto& f : lib.record_files)
      if (f.record) named.insert(f.record->pid);
    // In pid order, as the full load sorts its personas; the pids and not the personas are
    // sorted, which would move thousands of them around.
    std::vector<std::pair<std::string_view, std::size_t>> order;  // pid, file
    order.reserve(ok_files.size());
    for (std::size_t i : ok_files) {
      const yaml::Node* pid = lib.files[i].root->find("pid");
      order.emplace_back(pid && pid->is_scalar() ? std::string_view(pid->value) : std::string_view(), i);
    }
    std::sort(order.begin(), order.end());
    shape_personas.reserve(order.size());
    for (const auto& [pid, i] : order) {
      if (named.count(pid)) {
        shape_personas.push_back(cache::shape_persona(std::string(pid), fields[i], lib.files[i].path));
      } else {
        Persona& p = shape_personas.emplace_back();
        p.file = lib.files[i].path;
        p.pid = pid;
      }
    }
  }
  const std::vector<Persona>& personas = lean ? shape_personas : lib.personas;
  PersonaIndex by_pid = index_by_pid(personas);
  for (auto& f : lib.record_files) {
    auto extra = record_library_rules(f, personas, by_pid);
    f.diagnostics.insert(f.diagnostics.end(), extra.begin(), extra.end());
    lib.diagnostics.insert(lib.diagnostics.end(), f.diagnostics.begin(), f.diagnostics.end());
    if (f.record && count_errors(f.diagnostics) == 0) lib.records.push_back(*f.record);
  }
  sort_diagnostics(lib.diagnostics);
  lib.files_read = read_count;
  if (cache.enabled()) {
    bool removed = cache.persona_entries() != paths.size() ||
                   cache.record_entries() != record_paths.size();
    cache.save(persona_entries, record_entries, cache_changed || removed);
  }
  return lib;
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
