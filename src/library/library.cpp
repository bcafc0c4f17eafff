#include "library/library.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/text.h"
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
void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& fn) {
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, n));
  if (jobs <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::exception_ptr first_error;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < jobs; ++t)
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) {
        try {
          fn(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!first_error) first_error = std::current_exception();
          next = n;
        }
      }
    });
  for (auto& th : pool) th.join();
  if (first_error) std::rethrow_exception(first_error);
}

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

const Persona* Library::find(std::string_view pid) const {
  for (const auto& p : personas)
    if (p.pid == pid) return &p;
  return nullptr;
}

std::vector<std::string> Library::pids() const {
  std::vector<std::string> out;
  for (const auto& p : personas) out.push_back(p.pid);
  return out;
}

std::string Library::source(const std::string& path) const {
  if (path == kConfigFile) return config_text;
  for (const auto& f : files)
    if (f.path == path) return f.text;
  for (const auto& f : record_files)
    if (f.path == path) return f.text;
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

std::string read_file(const fs::path& p, std::size_t cap) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    int err = errno;
    throw io_error("cannot read " + quote(p.string(), 200) + ": " + std::strerror(err ? err : ENOENT));
  }
  std::string out;
  if (cap == std::size_t(-1)) {
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    out.resize(cap + 1);
    in.read(out.data(), static_cast<std::streamsize>(cap + 1));
    out.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw io_error("cannot read " + quote(p.string(), 200));
  return out;
}

std::vector<std::string> list_persona_files(const fs::path& root) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::path dir = root / kPersonasDir;
  if (!fs::is_directory(dir, ec)) return out;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw io_error("cannot list " + quote(dir.string(), 200) + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw io_error("cannot list " + quote(dir.string(), 200) + ": " + ec.message());
    if (it.depth() > 8) it.disable_recursion_pending();
    const auto& e = *it;
    auto ext = e.path().extension().string();
    if ((ext == ".yaml" || ext == ".yml") && e.is_regular_file(ec))
      out.push_back(fs::relative(e.path(), root, ec).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

PersonaFile check_persona_text(std::string path, std::string text, const schema::Schema& schema,
                               bool check_path) {
  PersonaFile f;
  f.path = std::move(path);
  f.text = std::move(text);
  yaml::Limits limits;
  auto parsed = yaml::parse(f.text, f.path, limits);
  f.diagnostics = std::move(parsed.diagnostics);
  if (!parsed.root) return f;
  f.root = std::move(parsed.root);
  f.doc = schema::to_json(*f.root);
  auto sd = schema.validate(*f.root, f.doc, f.path);
  f.diagnostics.insert(f.diagnostics.end(), sd.begin(), sd.end());
  auto rd = file_rules(f, check_path);
  f.diagnostics.insert(f.diagnostics.end(), rd.begin(), rd.end());
  if (check_path && f.path.size() > 4 && f.path.substr(f.path.size() - 4) == ".yml") {
    f.diagnostics.push_back(Diagnostic{"path-mismatch", Severity::kError, f.path, 0, 0,
                                       "persona files end in '.yaml', not '.yml'", {}});
  }
  return f;
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
  if (f.doc.contains("version") && f.doc["version"].is_number_integer())
    p.version = f.doc["version"].get<long long>();
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

Library load_library(const fs::path& root, const LoadOptions& options) {
  Library lib;
  lib.root = root;
  yaml::Limits limits;
  // library.yaml
  {
    auto config_schema = options.config_schema ? options.config_schema
                                               : schema::Schema::builtin("library");
    lib.config_text = read_file(root / kConfigFile, limits.max_file_bytes);
    auto parsed = yaml::parse(lib.config_text, kConfigFile, limits);
    auto diags = parsed.diagnostics;
    if (parsed.root) {
      auto doc = schema::to_json(*parsed.root);
      auto sd = config_schema->validate(*parsed.root, doc, kConfigFile);
      diags.insert(diags.end(), sd.begin(), sd.end());
      if (sd.empty()) {
        auto str = [&](const char* k, std::string& dst) {
          if (doc.contains(k) && doc[k].is_string()) dst = doc[k].get<std::string>();
        };
        str("name", lib.config.name);
        str("description", lib.config.description);
        str("base_url", lib.config.base_url);
        str("repository", lib.config.repository);
        str("contribute_url", lib.config.contribute_url);
        if (doc.contains("contributions")) {
          const auto& c = doc["contributions"];
          if (c.contains("branch_prefix")) lib.config.branch_prefix = c["branch_prefix"].get<std::string>();
          if (c.contains("require_note")) lib.config.require_note = c["require_note"].get<bool>();
        }
      }
    }
    lib.diagnostics = diags;
  }
  auto schema = persona_schema(options);
  auto paths = list_persona_files(root);
  lib.files.resize(paths.size());
  parallel_for(paths.size(), options.jobs, [&](std::size_t i) {
    std::string text = read_file(root / paths[i], limits.max_file_bytes);
    lib.files[i] = check_persona_text(paths[i], std::move(text), *schema, true);
  });
  auto config_diags = std::move(lib.diagnostics);
  lib.diagnostics.clear();
  finish(lib, true);
  lib.diagnostics.insert(lib.diagnostics.end(), config_diags.begin(), config_diags.end());

  // Contribution records, checked against the personas just built.
  auto record_schema = schema::Schema::builtin("record");
  std::string now = options.now.empty() ? utc_now() : options.now;
  auto record_paths = list_record_files(root);
  lib.record_files.resize(record_paths.size());
  parallel_for(record_paths.size(), options.jobs, [&](std::size_t i) {
    std::string text = read_file(root / record_paths[i], limits.max_file_bytes);
    lib.record_files[i] = check_record_text(record_paths[i], std::move(text), *record_schema, now);
  });
  for (auto& f : lib.record_files) {
    auto extra = record_library_rules(f, lib.personas);
    f.diagnostics.insert(f.diagnostics.end(), extra.begin(), extra.end());
    lib.diagnostics.insert(lib.diagnostics.end(), f.diagnostics.begin(), f.diagnostics.end());
    if (f.record && count_errors(f.diagnostics) == 0) lib.records.push_back(*f.record);
  }
  sort_diagnostics(lib.diagnostics);
  return lib;
}

Library load_files(const std::vector<fs::path>& files, const LoadOptions& options) {
  Library lib;
  auto schema = persona_schema(options);
  yaml::Limits limits;
  lib.files.resize(files.size());
  parallel_for(files.size(), options.jobs, [&](std::size_t i) {
    std::string text = read_file(files[i], limits.max_file_bytes);
    lib.files[i] = check_persona_text(files[i].generic_string(), std::move(text), *schema, false);
  });
  finish(lib, false);
  return lib;
}

}  // namespace persona
