#pragma once
/// `persona check`, the pull-request gate: everything `validate` reports over the whole library,
/// `fmt --check` on the persona files the change touches (all of them without a base), and, with
/// a base revision, the judgement of the change itself (change.h). One result, printed in the
/// format a person, a tool, GitHub Actions or a SARIF consumer wants.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "check/change.h"
#include "core/diagnostic.h"
#include "library/library.h"

namespace persona::check {

struct CheckOptions {
  std::optional<std::string> base;  ///< judge HEAD against this revision (e.g. origin/main)
  bool allow_direct_edits = false;
  std::filesystem::path cache_dir;  ///< for judge_change (ChangeOptions::cache_dir)
};

struct CheckResult {
  std::vector<Diagnostic> diagnostics;  ///< sorted
  std::size_t files_checked = 0;        ///< as `validate` counts them
  std::optional<ChangeSummary> change;  ///< set with a base
};

/// Runs the whole check on a loaded library (its working tree) and, with a base, on the git
/// history around it. Throws persona::Error (exit 3) when git cannot give a certain answer.
CheckResult run_check(const Library& lib, const schema::Schema& persona_schema,
                      const CheckOptions& options);

/// `fmt --check` as diagnostics: for each persona file of `lib` named in `paths` (relative to the
/// library root; every file when `all`), a "not-canonical" error on the first line that differs
/// from its canonical form, or the reason it cannot be formatted. Files that do not parse are
/// left to validate's own diagnostics. A library loaded without its texts (the lean load) has
/// each file read again (Library::source).
std::vector<Diagnostic> format_check(const Library& lib, const std::vector<std::string>& paths,
                                     bool all, const schema::Schema& persona_schema);

enum class Format { kText, kJson, kGithub, kSarif };

struct ReportOptions {
  Format format = Format::kText;
  bool color = false;
  /// Where to append the Markdown table of every diagnostic ($GITHUB_STEP_SUMMARY), or "".
  std::string step_summary;
};

/// Prints the result: `out` gets the report (text diagnostics, the JSON document of
/// `validate --format json`, GitHub annotations, or a SARIF 2.1.0 log) and `err` the summary line
/// people read. With --format github, at most 10 error and 10 warning annotations (GitHub's limit
/// per step) and, when `step_summary` is set, the full table appended to that file.
void write_report(std::ostream& out, std::ostream& err, const CheckResult& result,
                  const Library& lib, const ReportOptions& options);

/// The exit code for a result: 1 when it has an error, else 0.
int exit_code(const CheckResult& result);

}  // namespace persona::check
