#include <CLI/CLI.hpp>

#include "cli/paths.h"
#include "cli/runtime.h"
#include "core/error.h"
#include "core/report.h"
#include "core/text.h"
#include "library/format.h"

namespace persona::cli {
namespace fs = std::filesystem;

namespace {

struct FmtOptions {
  std::vector<std::string> paths;
  bool check = false;
};

int fmt(Runtime& rt, const FmtOptions& o) {
  std::vector<FileArg> targets = persona_file_args(resolve_path_args(rt, o.paths));
  auto schema = rt.persona_schema();
  std::vector<Diagnostic> ds;
  std::map<std::string, std::string> sources;
  std::size_t changed = 0;
  for (const auto& t : targets) {
    std::size_t size = 0;
    std::string text = read_file(t.abs, yaml::Limits{}.max_file_bytes, &size);
    auto r = format_persona(t.shown, text, *schema,
                            !t.rel.empty() && t.rel.rfind("personas/", 0) == 0, size);
    if (!r.text) {
      sources[t.shown] = text;
      ds.insert(ds.end(), r.diagnostics.begin(), r.diagnostics.end());
      continue;
    }
    if (*r.text == text) continue;
    ++changed;
    if (o.check) {
      rt.out << t.shown << "\n";
    } else {
      write_file_atomic(t.abs, *r.text);
      rt.out << "formatted " << t.shown << "\n";
    }
  }
  sort_diagnostics(ds);
  print_text(
      rt.err, ds, [&](const std::string& f) { return sources[f]; }, false);
  if (o.check && changed)
    rt.err << changed << (changed == 1 ? " file is" : " files are")
           << " not in canonical form; run 'persona fmt' to rewrite "
           << (changed == 1 ? "it" : "them") << "\n";
  if (!ds.empty()) return kExitProblems;
  return (o.check && changed) ? kExitProblems : kExitOk;
}

}  // namespace

void set_fmt_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<FmtOptions>();
  app.add_option("paths", o->paths, "Files or directories (default: every persona file)")
      ->type_name("PATH");
  app.add_flag("--check", o->check,
               "Write nothing; list the files that are not canonical and exit 1 if any");
  app.footer(
      "Canonical form: keys in schema order, 2-space block style, literal blocks (|-) for\n"
      "multi-line text, quotes only where YAML needs them. Every value is kept exactly (the\n"
      "output is read back and compared before it is written); comment lines at the top are\n"
      "kept, and a file with comments elsewhere is refused rather than losing them.\n\n"
      "Examples:\n"
      "  persona fmt\n"
      "  persona fmt --check personas/segment");
  app.callback([&rt, o] { rt.action = [&rt, o] { return fmt(rt, *o); }; });
}

}  // namespace persona::cli
