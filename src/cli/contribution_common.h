#pragma once
/// What `contribute` and `apply` share: turning a request into ContributeOptions with the
/// library's settings, and reporting a contribution that would not validate.
#include <string>

#include "cli/runtime.h"
#include "workflow/contribute.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace persona::cli {

/// The flags `contribute` and `apply` share, declared once: who is credited, which branch is
/// made from which commit, whether it is pushed, whether anything is written.
struct BranchFlags {
  std::string author, branch, base, push;
  bool dry_run = false;
  CLI::Option* push_opt = nullptr;
};

/// Adds --author, --branch, --base, --push [REMOTE] and --dry-run to `app`, with the help texts
/// of --author and --branch given (they say what each overrides).
void add_branch_flags(CLI::App& app, BranchFlags& f, const std::string& author_help,
                      const std::string& branch_help);

/// Copies the flags into `o`: --author when given, --branch and --base when given (else
/// `branch` and `base`, the request's own), --push when given, --dry-run.
void apply_branch_flags(const BranchFlags& f, ContributeOptions& o, const std::string& branch = "",
                        const std::string& base = "");

/// Options for `request` with the library's branch prefix and note rule, the persona schema, the
/// clock (PERSONA_NOW) and the environment filled in; branch, base, push and dry_run are left to
/// the caller.
ContributeOptions contribute_options(Runtime& rt, ContributionRequest request);

/// What `contribute` and `apply` print for a contribution made (or refused): the warnings and
/// notes first ("persona: warning: ...", "persona: note: ..." on stderr), then a contribution
/// already recorded (exit kExitProblems), a contribution that would not validate
/// (report_invalid_contribution), or describe_result() on stdout (kExitOk).
int report_result(Runtime& rt, const ContributeResult& r, bool dry_run, const std::string& pid);

/// `apply`'s run of a request read from `name` (`text`) with options `o`: every problem of the
/// request in one report, those of the file (its diagnostics) and those contribute() finds (an
/// unknown pid or field, ...) together, sorted by position, then "the request 'NAME' has
/// problems; nothing was written" (exit kExitUsage, as `contribute` exits for its flags).
/// A request without problems goes on to report_result().
int apply_request(Runtime& rt, const ParsedRequest& req, const std::string& name,
                  const std::string& text, ContributeOptions o);

/// Prints the diagnostics of a contribution that failed validation (before or after the change,
/// or its record) and says nothing was written. Returns kExitProblems.
int report_invalid_contribution(Runtime& rt, const Contribution& c, const std::string& pid);

}  // namespace persona::cli
