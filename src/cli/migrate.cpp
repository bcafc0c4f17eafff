#include "library/migrate.h"

#include <CLI/CLI.hpp>

#include "cli/paths.h"
#include "cli/runtime.h"
#include "core/error.h"
#include "core/report.h"
#include "library/format.h"

namespace persona::cli {

namespace {

struct MigrateOptions {
  std::vector<std::string> paths;
  bool check = false;
};

/// "app ('segment' became 'Segment', the app's name); worldview (...; line breaks ...)"
std::string describe_steps(const std::vector<MigrationStep>& steps) {
  std::string out;
  for (const auto& s : steps) {
    if (!out.empty()) out += "\n";
    out += "  " + s.key + ": " + s.change;
    if (!s.inexact.empty()) out += " (not exact: " + s.inexact + ")";
  }
  return out;
}

int migrate(Runtime& rt, const MigrateOptions& o) {
  std::vector<FileArg> targets = persona_file_args(resolve_path_args(rt, o.paths));
  auto schema = rt.persona_schema();
  std::vector<Diagnostic> ds;
  std::map<std::string, std::string> sources;
  std::size_t migrated = 0;
  for (const auto& t : targets) {
    std::size_t size = 0;
    std::string text = read_file(t.abs, yaml::Limits{}.max_file_bytes, &size);
    bool in_library = !t.rel.empty() && t.rel.rfind("personas/", 0) == 0;
    MigrationResult r = migrate_persona(t.shown, text, *schema, in_library, size);
    if (!r.diagnostics.empty()) {
      sources[t.shown] = text;
      ds.insert(ds.end(), r.diagnostics.begin(), r.diagnostics.end());
      continue;
    }
    if (!r.text) continue;
    ++migrated;
    if (!o.check) write_file_atomic(t.abs, *r.text);
    rt.out << (o.check ? "" : "migrated ") << t.shown << "\n" << describe_steps(r.steps) << "\n";
  }
  sort_diagnostics(ds);
  print_text(
      rt.err, ds, [&](const std::string& f) { return sources[f]; }, false);
  if (o.check && migrated) {
    rt.err << migrated << (migrated == 1 ? " file is" : " files are")
           << " in the earlier persona format; run 'persona migrate' to rewrite "
           << (migrated == 1 ? "it" : "them") << "\n";
  } else if (migrated) {
    rt.err << migrated << (migrated == 1 ? " file" : " files")
           << " migrated; review the change ('git diff'), then run 'persona validate'\n";
  }
  if (!ds.empty()) return kExitProblems;
  return (o.check && migrated) ? kExitProblems : kExitOk;
}

}  // namespace

void set_migrate_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<MigrateOptions>();
  app.add_option("paths", o->paths, "Files or directories (default: every persona file)")
      ->type_name("PATH");
  app.add_flag("--check", o->check,
               "Write nothing; list the files still in the earlier format and exit 1 if any");
  app.footer(
      "Rewrites persona files from the earlier format into the published one, in canonical form:\n"
      "  app            the slug ('segment') becomes the app's name as 'name' writes it "
      "('Segment')\n"
      "  worldview,     text becomes a list: one item per paragraph (a paragraph's line breaks\n"
      "  impact         become spaces, unless it holds a Markdown list, quote, heading or code)\n"
      "  composability  the list becomes text: one bullet line ('- item') per item\n"
      "Every word is kept; each file's report says what changed and what is not exact. Files\n"
      "already in the format are left as they are; comment lines at the top are kept, and a\n"
      "file with comments elsewhere is refused rather than losing them.\n\n"
      "Examples:\n"
      "  persona migrate --check\n"
      "  persona migrate personas/segment");
  app.callback([&rt, o] { rt.action = [&rt, o] { return migrate(rt, *o); }; });
}

}  // namespace persona::cli
