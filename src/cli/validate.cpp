#include <CLI/CLI.hpp>

#include "cli/paths.h"
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

int validate(Runtime& rt, const ValidateOptions& o) {
  std::vector<Diagnostic> ds;
  std::size_t checked = 0;
  SourceLookup source;
  std::optional<Library> loose;
  const Library* lib = nullptr;

  PathArgs args = resolve_path_args(rt, o.paths);
  std::optional<Library> lean;
  if (args.wants_library()) {
    // Only the report is needed: a lean load keeps memory flat and reuses the result cache.
    lean.emplace(load_library(*args.root, rt.lean_load_options()));
    lib = &*lean;
    for (const auto& d : lib->diagnostics)
      if (args.selects(d.file)) ds.push_back(d);
    for (const auto& f : lib->files)
      if (args.selects(f.path)) ++checked;
    for (const auto& f : lib->record_files)
      if (args.selects(f.path)) ++checked;
    if (args.selects(kConfigFile)) ++checked;
  }
  if (!args.outside.empty()) {
    loose = load_files(args.outside, rt.load_options());
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
