#include "workflow/contribute.h"

#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/contribution_common.h"
#include "cli/runtime.h"
#include "core/error.h"
#include "core/report.h"
#include "core/text.h"
#include "core/untrusted.h"

namespace persona::cli {
namespace fs = std::filesystem;

namespace {

struct ContributeFlags : BranchFlags {
  std::string pid;
  std::string confirm, correct, extend, field;
  bool comment = false;
  std::string text, text_file, note;
  CLI::Option* text_opt = nullptr;
};

/// Reads --text-file (a path, or '-' for standard input).
std::string read_text_file(const std::string& path) {
  if (path == "-") {
    std::string s((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) throw io_error("cannot read the text from standard input");
    return s;
  }
  return read_file(path, 1 << 20);
}

/// Opens the user's editor on a file, the way `git commit` does, and returns what they wrote
/// without the '#' lines. An empty result aborts the contribution.
std::string edit_text(Runtime& rt, const ContributionRequest& req, const std::string& current) {
  std::string editor;
  for (const char* var : {"GIT_EDITOR", "VISUAL", "EDITOR"}) {
    const char* v = rt.getenv(var);
    if (v && *v) {
      editor = v;
      break;
    }
  }
  if (editor.empty()) editor = "vi";
  const char* tmpdir = rt.getenv("TMPDIR");
  std::string tmpl =
      std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/persona-contribution-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0)
    throw io_error("cannot create a temporary file for the editor in " + quote(tmpl, 200));
  ::close(fd);
  fs::path file(name.data());
  struct Remove {
    fs::path p;
    ~Remove() {
      std::error_code ec;
      fs::remove(p, ec);
    }
  } cleanup{file};

  std::string what = req.kind == "correct" ? "the new value of " + req.field
                     : req.kind == "extend"
                         ? "what to add to " + req.field
                         : "your comment" + (req.field.empty() ? "" : " on " + req.field);
  std::string body = req.kind == "correct" ? current + "\n" : "\n";
  body += "\n# Write " + what + " of " + req.pid +
          " above.\n"
          "# Lines starting with '#' are ignored; an empty text aborts.\n";
  if (req.kind != "correct" && !current.empty()) {
    body += "#\n# The current value:\n";
    for (auto line : split_lines(current)) body += "#   " + std::string(line) + "\n";
  }
  {
    std::ofstream out(file, std::ios::binary);
    out << body;
    if (!out) throw io_error("cannot write " + quote(file.string(), 200));
  }
  rt.out.flush();
  pid_t child = ::fork();
  if (child < 0) throw io_error("cannot start the editor " + quote(editor));
  if (child == 0) {
    std::string script = editor + " \"$@\"";
    ::execl("/bin/sh", "sh", "-c", script.c_str(), editor.c_str(), file.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) throw io_error("cannot wait for the editor " + quote(editor));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw io_error("the editor " + quote(editor) + " failed; nothing was written",
                   "set GIT_EDITOR, VISUAL or EDITOR, or pass --text");
  std::string edited = read_file(file);
  std::string kept;
  for (auto line : split_lines(edited))
    if (!line.starts_with("#")) kept += std::string(line) + "\n";
  std::string text = normalize_contribution_text(kept);
  if (text.empty()) throw usage_error("aborting the contribution: the text is empty");
  return text;
}

/// A request problem as the contributor typed it: name the flag it came from.
std::string flag_for(const std::string& key, const std::string& kind) {
  if (key == "field") return kind == "comment" ? "--field" : "--" + kind;
  if (key == "text") return "--text";
  if (key == "note") return "--note";
  if (key == "author") return "--author";
  if (key == "base") return "--base";
  return "";
}

int contribute_command(Runtime& rt, ContributeFlags& f) {
  ContributionRequest req;
  req.pid = f.pid;
  int kinds = 0;
  if (!f.confirm.empty()) req.kind = "confirm", req.field = f.confirm, ++kinds;
  if (!f.correct.empty()) req.kind = "correct", req.field = f.correct, ++kinds;
  if (!f.extend.empty()) req.kind = "extend", req.field = f.extend, ++kinds;
  if (f.comment) req.kind = "comment", req.field = f.field, ++kinds;
  if (kinds != 1)
    throw usage_error(
        kinds == 0 ? "say what to contribute: --confirm, --correct, --extend or --comment"
                   : "give only one of --confirm, --correct, --extend and --comment",
        "e.g. persona contribute " + (f.pid.empty() ? std::string("APP-153") : f.pid) +
            " --confirm aha_moment");
  if (!f.field.empty() && !f.comment)
    throw usage_error("--field goes with --comment",
                      "--confirm, --correct and --extend name their field themselves");
  if (f.text_opt->count() && !f.text_file.empty())
    throw usage_error("give the text once: --text or --text-file, not both");
  req.text = f.text;
  if (!f.text_file.empty()) req.text = read_text_file(f.text_file);
  req.note = f.note;
  req.author = f.author;

  if (req.kind != "confirm" && !f.text_opt->count() && f.text_file.empty()) {
    // Only the editor's template needs the working tree's persona (its current value).
    const Library& lib = rt.library();
    // Check everything cheap first, so the editor does not open for a request that will fail.
    auto early = check_request(req, false);
    early.erase(std::remove_if(early.begin(), early.end(),
                               [](const RequestProblem& p) { return p.key == "text"; }),
                early.end());
    if (early.empty()) {
      if (!::isatty(STDIN_FILENO))
        throw usage_error("a contribution of kind " + quote(req.kind) + " needs a text",
                          "pass --text TEXT or --text-file FILE ('-' reads standard input)");
      std::string current;
      if (const Persona* p = lib.find(req.pid))
        if (auto path = parse_field_path(req.field, nullptr))
          current = p->value(*path).value_or("");
      req.text = edit_text(rt, req, current);
    }
  }

  ContributeOptions o = contribute_options(rt, req);
  apply_branch_flags(f, o);

  ContributeResult r = contribute(o);
  const Contribution& c = r.contribution;
  if (!c.problems.empty()) {
    for (std::size_t i = 0; i + 1 < c.problems.size(); ++i) {
      const auto& p = c.problems[i];
      std::string flag = flag_for(p.key, req.kind);
      rt.err << "persona: error: " << (flag.empty() ? "" : flag + ": ") << terminal_safe(p.message)
             << "\n";
      if (!p.hint.empty()) rt.err << "hint: " << terminal_safe(p.hint) << "\n";
    }
    const auto& last = c.problems.back();
    std::string flag = flag_for(last.key, req.kind);
    throw usage_error((flag.empty() ? "" : flag + ": ") + last.message, last.hint);
  }
  return report_result(rt, r, f.dry_run, req.pid);
}

}  // namespace

void set_contribute_command(CLI::App& app, Runtime& rt) {
  auto f = std::make_shared<ContributeFlags>();
  app.add_option("pid", f->pid, "Persona id, e.g. APP-153")->required()->type_name("PID");
  app.add_option("--confirm", f->confirm, "Agree with the current value of FIELD")
      ->type_name("FIELD");
  app.add_option("--correct", f->correct,
                 "Replace a text field or one list item (goals[2]) with --text")
      ->type_name("FIELD");
  app.add_option("--extend", f->extend,
                 "Add a paragraph to a text field, or an item to a list, from --text")
      ->type_name("FIELD");
  app.add_flag("--comment", f->comment, "Comment on the persona (or on one field with --field)");
  app.add_option("--field", f->field, "With --comment: the field the comment is about")
      ->type_name("FIELD");
  f->text_opt = app.add_option("--text", f->text, "The new value, the addition or the comment")
                    ->type_name("TEXT");
  app.add_option("--text-file", f->text_file, "Read the text from FILE ('-' for standard input)")
      ->type_name("FILE");
  app.add_option("--note", f->note, "Your lived experience, shown beside the contribution")
      ->type_name("TEXT");
  add_branch_flags(app, *f, "Name to credit (default: git config user.name)",
                   "Branch to create (default: <prefix>/<pid>/<kind>-<field>-<id>)");
  app.footer(
      "Field paths are those 'persona show PID --fields' prints: identity, goals, goals[2].\n"
      "Without --text or --text-file on a terminal, $GIT_EDITOR, $VISUAL or $EDITOR opens.\n"
      "\n"
      "The contribution is one new commit on a new branch, made in the object database: the\n"
      "working tree, the index and HEAD are never touched. It adds a record under\n"
      "contributions/<pid>/ and, for --correct and --extend, rewrites the persona file.\n"
      "It is made against the committed persona (a warning says so when the file has\n"
      "uncommitted edits). A contribution already recorded (same persona, kind, field, text and\n"
      "author), merged or on a contribution branch (local or remote-tracking), is refused; a\n"
      "pending contribution to the same field on another branch gets a note\n"
      "('persona history PID --pending' lists them).\n"
      "\n"
      "Identity: the record credits --author, else $GIT_AUTHOR_NAME, else git config user.name;\n"
      "no email address ever goes into a record. The commit's author email is git config\n"
      "user.email, or the placeholder <name>@users.noreply.persona when there is none (or when\n"
      "--author names someone else). PERSONA_NOW sets the record time; GIT_AUTHOR_DATE and\n"
      "GIT_COMMITTER_DATE the commit's.\n"
      "\n"
      "Examples:\n"
      "  persona contribute APP-153 --confirm aha_moment --note \"Data engineer, 3 years on "
      "Segment\"\n"
      "  persona contribute APP-153 --correct goals[2] --text \"...\" --note \"...\"\n"
      "  persona contribute APP-153 --extend frustrations --text \"...\"\n"
      "  persona contribute APP-153 --comment --field identity --text \"...\"\n"
      "  persona contribute APP-153 --confirm identity --dry-run");
  app.callback([&rt, f] { rt.action = [&rt, f] { return contribute_command(rt, *f); }; });
}

}  // namespace persona::cli
