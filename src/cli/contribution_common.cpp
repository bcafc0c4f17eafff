#include "cli/contribution_common.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "core/error.h"
#include "core/report.h"
#include "core/text.h"
#include "core/time.h"
#include "core/untrusted.h"
#include "library/cache.h"

namespace persona::cli {

void add_branch_flags(CLI::App& app, BranchFlags& f, const std::string& author_help,
                      const std::string& branch_help) {
  app.add_option("--author", f.author, author_help)->type_name("NAME");
  app.add_option("--branch", f.branch, branch_help)->type_name("NAME");
  app.add_option("--base", f.base, "Commit to start from (default: the current branch's commit)")
      ->type_name("REF");
  f.push_opt = app.add_option("--push", f.push,
                              "Push the new branch to REMOTE (default: origin); put it last or "
                              "write --push=REMOTE")
                   ->expected(0, 1)
                   ->type_name("[REMOTE]");
  app.add_flag("--dry-run", f.dry_run, "Show the change and the branch, write nothing");
}

void apply_branch_flags(const BranchFlags& f, ContributeOptions& o, const std::string& branch,
                        const std::string& base) {
  if (!f.author.empty()) o.request.author = f.author;
  o.branch = !f.branch.empty() ? f.branch : branch;
  o.base = !f.base.empty() ? f.base : base;
  if (f.push_opt && f.push_opt->count()) o.push = f.push;
  o.dry_run = f.dry_run;
}

ContributeOptions contribute_options(Runtime& rt, ContributionRequest request) {
  // Only library.yaml's settings: the contribution itself is checked against the persona at the
  // base commit (contribute()), so loading the whole working tree would change nothing.
  // (The schema first: a bad --schema is reported before an unreadable library.yaml, as the
  // full load did.)
  ContributeOptions o;
  o.persona_schema = rt.persona_schema();
  Config config = rt.config();
  o.library_root = rt.root();
  o.request = std::move(request);
  o.branch_prefix = config.branch_prefix;
  o.require_note = config.require_note;
  o.cache_dir = cache::default_dir(rt.getenv);
  o.now = utc_now(rt.getenv("PERSONA_NOW"));
  o.getenv = rt.getenv;
  return o;
}

int report_invalid_contribution(Runtime& rt, const Contribution& c, const std::string& pid) {
  std::string who = quote(c.record.pid.empty() ? pid : c.record.pid);
  std::string what =
      c.diagnostics_stage == "before"  ? who + " does not validate as it is at the base commit"
      : c.diagnostics_stage == "after" ? who + " would not validate after this change"
                                       : "the contribution record would not validate";
  print_text(
      rt.err, c.diagnostics, [&](const std::string&) { return c.diagnostics_source; }, false);
  rt.err << "persona: error: " << what << "; nothing was written\n";
  return kExitProblems;
}

int report_result(Runtime& rt, const ContributeResult& r, bool dry_run, const std::string& pid) {
  for (const auto& w : r.warnings) rt.err << "persona: warning: " << terminal_safe(w) << "\n";
  for (const auto& n : r.notes) rt.err << "persona: note: " << terminal_safe(n) << "\n";
  if (!r.notes_hint.empty()) rt.err << "hint: " << terminal_safe(r.notes_hint) << "\n";
  if (r.already_recorded) {
    rt.err << "persona: error: " << terminal_safe(r.already_recorded->message) << "\n";
    rt.err << "hint: " << terminal_safe(r.already_recorded->hint) << "\n";
    return kExitProblems;
  }
  if (!r.contribution.ok()) return report_invalid_contribution(rt, r.contribution, pid);
  rt.out << describe_result(r, dry_run);
  return kExitOk;
}

int apply_request(Runtime& rt, const ParsedRequest& req, const std::string& name,
                  const std::string& text, ContributeOptions o) {
  auto source = [&](const std::string&) { return text; };
  std::vector<Diagnostic> ds = req.diagnostics;
  auto has_problems = [&] {
    rt.err << "persona: error: the request " << terminal_safe(quote(name, 200))
           << " has problems; nothing was written\n";
    return kExitUsage;
  };
  bool file_problems = count_errors(ds) > 0;
  if (file_problems && req.positions.empty()) {
    print_text(rt.err, ds, source, rt.color());
    return has_problems();
  }
  // A request file with problems is still looked at as far as it reads, so that one run reports
  // them all; nothing is made of it.
  o.problems_only = file_problems;
  ContributeResult r;
  try {
    r = contribute(o);
  } catch (const Error&) {
    print_text(rt.err, ds, source, rt.color());
    throw;
  }
  for (const auto& p : r.contribution.problems) {
    // A key whose value has an error already (a list where a string goes) is not reported again
    // as missing.
    Diagnostic d = request_diagnostic(req, name, p);
    bool said =
        d.line > 0 &&
        std::any_of(req.diagnostics.begin(), req.diagnostics.end(), [&](const Diagnostic& e) {
          return e.severity == Severity::kError && e.line == d.line && e.column == d.column;
        });
    if (!said) ds.push_back(std::move(d));
  }
  sort_diagnostics(ds);
  print_text(rt.err, ds, source, rt.color());
  if (count_errors(ds) > 0) return has_problems();
  return report_result(rt, r, o.dry_run, o.request.pid);
}

}  // namespace persona::cli
