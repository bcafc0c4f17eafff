#include "check/check.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <set>

#include "check/rules.h"
#include "check/sarif.h"
#include "core/error.h"
#include "core/report.h"
#include "core/text.h"
#include "library/format.h"

namespace persona::check {

std::vector<Diagnostic> format_check(const Library& lib, const std::vector<std::string>& paths,
                                     bool all, const schema::Schema& persona_schema) {
  std::set<std::string> wanted(paths.begin(), paths.end());
  std::vector<Diagnostic> out;
  for (const auto& f : lib.files) {
    if (!all && !wanted.count(f.path)) continue;
    if (!f.root) continue;  // validate reports why it does not parse
    const std::string text = f.text.empty() ? lib.source(f.path) : f.text;
    auto r = format_persona(f.path, text, persona_schema, true);
    if (!r.text) {
      out.insert(out.end(), r.diagnostics.begin(), r.diagnostics.end());
      continue;
    }
    if (*r.text == text) continue;
    auto have = split_lines(text), want = split_lines(*r.text);
    std::size_t line = 0;
    while (line < have.size() && line < want.size() && have[line] == want[line]) ++line;
    if (line >= have.size()) line = have.empty() ? 0 : have.size() - 1;
    out.push_back(Diagnostic{kNotCanonical, Severity::kError, f.path, static_cast<int>(line) + 1, 1,
                             "file is not in canonical form",
                             "run 'persona fmt " + f.path + "' to rewrite it"});
  }
  return out;
}

CheckResult run_check(const Library& lib, const schema::Schema& persona_schema,
                      const CheckOptions& o) {
  CheckResult result;
  result.diagnostics = lib.diagnostics;
  result.files_checked = lib.files.size() + lib.record_files.size() + 1;
  std::vector<Diagnostic> fmt;
  if (o.base) {
    ChangeOptions co;
    co.base = *o.base;
    co.allow_direct_edits = o.allow_direct_edits;
    co.cache_dir = o.cache_dir;
    ChangeReport change = judge_change(lib.root, co, persona_schema);
    result.diagnostics.insert(result.diagnostics.end(), change.diagnostics.begin(),
                              change.diagnostics.end());
    fmt = format_check(lib, change.summary.touched_persona_files, false, persona_schema);
    result.change = std::move(change.summary);
  } else {
    fmt = format_check(lib, {}, true, persona_schema);
  }
  result.diagnostics.insert(result.diagnostics.end(), fmt.begin(), fmt.end());
  sort_diagnostics(result.diagnostics);
  return result;
}

int exit_code(const CheckResult& result) {
  return count_errors(result.diagnostics) ? kExitProblems : kExitOk;
}

namespace {

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// "the change from 1a2b3c4d5e6f (merge base with 'origin/main') to HEAD 9f8e7d6c5b4a: 3 files"
std::string change_line(const ChangeSummary& c) {
  std::string head = c.merge_commit.empty()
                         ? "HEAD " + c.head.substr(0, 12)
                         : c.head.substr(0, 12) + " (HEAD " + c.merge_commit.substr(0, 12) +
                               " merges it into " + quote(c.base) + ")";
  return "judged the change from " + c.merge_base.substr(0, 12) + " (merge base with " +
         quote(c.base) + ") to " + head + ": " + plural(c.changed_files, "file", "files") +
         " changed";
}

void append_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  if (f) f << text;
  if (f) f.flush();
  if (!f) {
    int err = errno;
    throw io_error("cannot append to " + quote(path, 200) +
                   " ($GITHUB_STEP_SUMMARY): " + std::strerror(err ? err : EIO));
  }
}

}  // namespace

void write_report(std::ostream& out, std::ostream& err, const CheckResult& r, const Library& lib,
                  const ReportOptions& o) {
  const auto& ds = r.diagnostics;
  switch (o.format) {
    case Format::kJson:
      out << diagnostics_json(ds, r.files_checked).dump(2) << "\n";
      return;
    case Format::kSarif: {
      SarifOptions so;
      so.tool_version = PERSONA_VERSION;
      out << sarif_log(ds, so).dump(2) << "\n";
      return;
    }
    case Format::kGithub:
      print_github(out, ds, 10, 10);
      if (!o.step_summary.empty()) {
        std::string heading = "persona check";
        if (r.change) heading += " against " + r.change->base;
        append_file(o.step_summary, github_step_summary(ds, r.files_checked, heading));
      }
      break;
    case Format::kText:
      print_text(
          out, ds, [&](const std::string& file) { return lib.source(file); }, o.color);
      break;
  }
  if (r.change) err << change_line(*r.change) << "\n";
  err << summary_line(ds, r.files_checked) << "\n";
}

}  // namespace persona::check
