#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/report.h"
#include "core/text.h"

namespace persona::cli {
namespace fs = std::filesystem;

namespace {

struct ValidateOptions {
  std::vector<std::string> paths;
  std::string format = "text";
};

/// The library's files under one of the given paths (or all of them).
bool selected(const std::string& rel, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return true;
  for (const auto& p : prefixes) {
    if (p.empty() || p == "." || rel == p) return true;
    if (rel.size() > p.size() && rel.compare(0, p.size(), p) == 0 && rel[p.size()] == '/') return true;
  }
  return false;
}

int validate(Runtime& rt, const ValidateOptions& o) {
  std::vector<Diagnostic> ds;
  std::size_t checked = 0;
  SourceLookup source;
  std::optional<Library> loose;
  const Library* lib = nullptr;

  std::vector<std::string> prefixes;
  std::vector<fs::path> outside;
  std::optional<fs::path> root;
  if (!rt.global.repo.empty() || o.paths.empty()) {
    root = rt.root();
  } else {
    root = find_library_root(fs::current_path());
    if (!root) root = find_library_root(o.paths.front());
  }
  for (const auto& p : o.paths) {
    std::error_code ec;
    if (!fs::exists(p, ec))
      throw io_error("cannot read " + quote(p, 200) + ": No such file or directory");
    fs::path abs = fs::weakly_canonical(fs::absolute(p), ec);
    if (root) {
      fs::path rel = abs.lexically_relative(fs::weakly_canonical(*root, ec));
      if (!rel.empty() && *rel.begin() != "..") {
        std::string r = rel.generic_string();
        if (r == ".") r.clear();
        prefixes.push_back(r);
        continue;
      }
    }
    if (fs::is_directory(abs, ec)) {
      for (auto it = fs::recursive_directory_iterator(abs, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        auto ext = it->path().extension();
        if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) outside.push_back(it->path());
      }
    } else {
      outside.push_back(p);
    }
  }
  std::optional<Library> lean;
  if (root && (o.paths.empty() || !prefixes.empty())) {
    // Only the report is needed: a lean load keeps memory flat and reuses the result cache.
    lean.emplace(load_library(rt.root(), rt.lean_load_options()));
    lib = &*lean;
    for (const auto& d : lib->diagnostics)
      if (selected(d.file, prefixes)) ds.push_back(d);
    for (const auto& f : lib->files)
      if (selected(f.path, prefixes)) ++checked;
    for (const auto& f : lib->record_files)
      if (selected(f.path, prefixes)) ++checked;
    if (prefixes.empty() || selected(kConfigFile, prefixes)) ++checked;
  }
  if (!outside.empty()) {
    std::sort(outside.begin(), outside.end());
    loose = load_files(outside, rt.load_options());
    ds.insert(ds.end(), loose->diagnostics.begin(), loose->diagnostics.end());
    checked += loose->files.size();
  }
  sort_diagnostics(ds);
  source = [&](const std::string& file) {
    std::string s = lib ? lib->source(file) : std::string();
    if (s.empty() && loose) s = loose->source(file);
    return s;
  };

  if (o.format == "json") {
    rt.out << diagnostics_json(ds, checked).dump(2) << "\n";
  } else if (o.format == "github") {
    print_github(rt.out, ds);
  } else {
    print_text(rt.out, ds, source, rt.color());
    rt.err << summary_line(ds, checked) << "\n";
  }
  return count_errors(ds) ? kExitProblems : kExitOk;
}

}  // namespace

void set_validate_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<ValidateOptions>();
  app.add_option("paths", o->paths, "Files or directories to check (default: the whole library)")
      ->type_name("PATH");
  app.add_option("--format", o->format, "Output: text (people), json (tools), github (annotations)")
      ->check(CLI::IsMember({"text", "json", "github"}))
      ->type_name("FORMAT");
  app.footer(
      "Checks every persona file against the JSON Schema (schema/persona.schema.json, built in;\n"
      "--schema to override) and the library rules: unique pids, file paths that match 'app'\n"
      "and 'name', references to other personas (APP-123) that resolve, no template text left,\n"
      "no text that stops mid-sentence, job stories in 'When I ..., I want to ..., so ...' form,\n"
      "no duplicate list items, no blank strings. Every problem in every file is reported.\n\n"
      "Examples:\n"
      "  persona validate\n"
      "  persona validate personas/segment\n"
      "  persona validate --format json > report.json\n\n"
      "Exit codes: 0 clean, 1 problems found, 2 usage error, 3 I/O or repository error.");
  app.callback([&rt, o] { rt.action = [&rt, o] { return validate(rt, *o); }; });
}

}  // namespace persona::cli
