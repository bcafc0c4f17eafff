#include "check/check.h"

#include <CLI/CLI.hpp>
#include <sstream>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/report.h"
#include "core/text.h"
#include "library/format.h"

namespace persona::cli {

namespace {

struct CheckFlags {
  std::string base;
  std::string format = "text";
  std::string output;
  bool allow_direct_edits = false;
};

check::Format parse_format(const std::string& f) {
  if (f == "json") return check::Format::kJson;
  if (f == "github") return check::Format::kGithub;
  if (f == "sarif") return check::Format::kSarif;
  return check::Format::kText;
}

int run_check_command(Runtime& rt, const CheckFlags& f) {
  check::CheckOptions o;
  if (!f.base.empty()) o.base = f.base;
  o.allow_direct_edits = f.allow_direct_edits;
  check::ReportOptions ro;
  ro.format = parse_format(f.format);
  ro.color = f.output.empty() && rt.color();
  if (ro.format == check::Format::kGithub) {
    const char* summary = rt.getenv("GITHUB_STEP_SUMMARY");
    if (summary && *summary) ro.step_summary = summary;
  }
  try {
    // With a base, the texts are needed only for the files the change touches (fmt --check):
    // the lean load gives the same diagnostics with validate's cache, and format_check reads
    // those few files again. Without one, every file is format-checked: load them in full.
    std::optional<Library> lean;
    if (o.base) {
      LoadOptions lo = rt.lean_load_options();
      o.cache_dir = lo.cache_dir;
      lean.emplace(load_library(rt.root(), lo));
    }
    const Library& lib = lean ? *lean : rt.library();
    auto result = check::run_check(lib, *rt.persona_schema(), o);
    if (f.output.empty()) {
      check::write_report(rt.out, rt.err, result, lib, ro);
    } else {
      std::ostringstream report;
      check::write_report(report, rt.err, result, lib, ro);
      write_file_atomic(f.output, report.str());
    }
    return check::exit_code(result);
  } catch (const Error& e) {
    // In a workflow log the failure also becomes an annotation on the run.
    if (ro.format == check::Format::kGithub)
      rt.out << "::error title=persona check::"
             << github_escape_data(e.what() + (e.hint().empty() ? "" : " (" + e.hint() + ")"))
             << "\n";
    throw;
  }
}

}  // namespace

void set_check_command(CLI::App& app, Runtime& rt) {
  auto f = std::make_shared<CheckFlags>();
  app.add_option("--base", f->base,
                 "Also judge the change from the merge base with REF to HEAD (in CI: the pull "
                 "request's target branch, e.g. origin/main)")
      ->check([](const std::string& ref) {
        return ref.empty() ? std::string("needs a revision, e.g. origin/main") : std::string();
      })
      ->type_name("REF");
  app.add_option("--format", f->format,
                 "Output: text (people), json (as validate's), github (annotations), sarif "
                 "(SARIF 2.1.0)")
      ->check(CLI::IsMember({"text", "json", "github", "sarif"}))
      ->type_name("FORMAT");
  app.add_option("--output", f->output, "Write the report to FILE instead of standard output")
      ->type_name("FILE");
  app.add_flag("--allow-direct-edits", f->allow_direct_edits,
               "Let persona files change without a contribution record (maintainers' edits)");
  app.footer(
      "Runs everything 'persona validate' does over the whole library, plus 'fmt --check' on\n"
      "the persona files the change touches (every persona file without --base).\n\n"
      "With --base, the change from the merge base of REF and HEAD to HEAD is read from git\n"
      "(commits, not the working tree) and must keep the library's rules:\n"
      "  - contribution records are only ever added (never modified, renamed or deleted);\n"
      "  - a pid never changes, and a new pid is not also taken on REF or used before;\n"
      "  - a correction or extension was made against REF's current value, or it is stale\n"
      "    (the message names the contribution it raced with);\n"
      "  - a correction or extension record agrees with the change to the persona file, and a\n"
      "    persona file changes only with a record (unless --allow-direct-edits);\n"
      "  - a change touching more than one persona gets a warning.\n"
      "When HEAD is a pull request's merge commit (parents: REF and the pull request's head),\n"
      "the pull request's head is judged. A shallow clone that lacks the merge base is an\n"
      "error naming the 'git fetch' to run, never a verdict.\n\n"
      "--format github prints at most 10 error and 10 warning annotations (GitHub's limit per\n"
      "step) and appends the full table to $GITHUB_STEP_SUMMARY when it is set.\n\n"
      "Examples:\n"
      "  persona check\n"
      "  persona check --base origin/main\n"
      "  persona check --base origin/main --format github\n"
      "  persona check --base origin/main --format sarif --output persona.sarif\n\n"
      "Exit codes: 0 clean, 1 problems found, 2 usage error, 3 I/O or repository error.");
  app.callback([&rt, f] { rt.action = [&rt, f] { return run_check_command(rt, *f); }; });
}

}  // namespace persona::cli
