#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>

#include "cli/contribution_common.h"
#include "cli/runtime.h"
#include "core/error.h"
#include "core/report.h"
#include "core/text.h"
#include "core/untrusted.h"
#include "workflow/contribute.h"

namespace persona::cli {

namespace {

struct ApplyFlags : BranchFlags {
  std::string file;
  std::string fallback_author;  ///< credited when the request names no one (and no --author)
};

int apply_command(Runtime& rt, const ApplyFlags& f) {
  std::string name = f.file == "-" ? "<stdin>" : f.file;
  std::string text;
  if (f.file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) throw io_error("cannot read the request from standard input");
  } else {
    text = read_file(f.file, 1 << 20);
  }
  ParsedRequest req = parse_request(name, text);
  // Who is credited: --author, else the request's author, else --fallback-author. An issue is
  // applied by a maintainer (or the contribution workflow), so git's user.name would credit the
  // wrong person: an issue that names no one needs --fallback-author (the author).
  if (trim(req.request.author).empty() && trim(f.author).empty()) {
    if (!trim(f.fallback_author).empty()) {
      req.request.author = f.fallback_author;
      req.positions.erase("author");  // a problem with it is not on the request's lines
    } else if (req.format == "issue-form") {
      throw usage_error(
          "the issue names no one to credit; give --fallback-author with the issue's author "
          "(e.g. their GitHub login)");
    }
  }
  ContributeOptions o = contribute_options(rt, req.request);
  apply_branch_flags(f, o, req.branch, req.base);
  return apply_request(rt, req, name, text, std::move(o));
}

}  // namespace

void set_apply_command(CLI::App& app, Runtime& rt) {
  auto f = std::make_shared<ApplyFlags>();
  app.add_option("request", f->file,
                 "Request file: YAML, JSON or a contribution issue's body ('-' for stdin)")
      ->required()
      ->type_name("FILE|-");
  add_branch_flags(app, *f, "Name to credit, overriding the request's",
                   "Branch to create, overriding the request's");
  app.add_option("--fallback-author", f->fallback_author,
                 "Name to credit when the request names none, e.g. the issue's author")
      ->type_name("NAME");
  app.footer(
      "A request has the same fields as 'persona contribute's flags. YAML:\n"
      "  pid: APP-153\n"
      "  correct: goals[2]          # or kind: correct + field: goals[2]; confirm, extend, "
      "comment\n"
      "  text: Block or repair malformed events before they reach the warehouse\n"
      "  note: I run Protocols every day\n"
      "  author: Ada Lovelace       # default: --fallback-author, else git config user.name\n"
      "JSON takes the same keys. The body of an issue opened with the repository's\n"
      "'Contribute to a persona' form (.github/ISSUE_TEMPLATE/contribution.yml) works as it is.\n"
      "It credits the form's 'Name to credit', else --fallback-author (give the issue's\n"
      "author: git's user.name, the maintainer's, is never used for an issue):\n"
      "  gh issue view 42 --json body --jq .body | persona apply - --fallback-author octocat\n"
      "\n"
      "The branch and commit are made exactly as 'persona contribute' makes them.");
  app.callback([&rt, f] { rt.action = [&rt, f] { return apply_command(rt, *f); }; });
}

}  // namespace persona::cli
