#include "git/history.h"

#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/text.h"
#include "core/untrusted.h"
#include "library/cache.h"
#include "library/partial_load.h"
#include "workflow/persona_at.h"

namespace persona::cli {

namespace {

struct HistoryFlags {
  std::string pid;
  std::string field;
  std::string format = "text";
  std::string rev;
  bool pending = false;
};

std::optional<FieldPath> field_filter(const HistoryFlags& f, const std::string& pid) {
  if (f.field.empty()) return std::nullopt;
  std::string err;
  auto only = parse_field_path(f.field, &err);
  if (!only)
    throw usage_error("--field: " + err,
                      "'persona show " + pid + " --fields' lists the field paths");
  return only;
}

/// History as of --rev: the persona and its records as they are at that commit.
PersonaHistory history_at(Runtime& rt, const HistoryFlags& f, const git::Repository& repo,
                          const std::string& commit) {
  Library lib = load_persona_at(repo, commit, f.rev, rt.root(), f.pid, *rt.persona_schema(),
                                cache::default_dir(rt.getenv));
  const Persona& p = lib.personas.front();
  auto only = field_filter(f, p.pid);
  if (f.pending)
    return pending_history(p,
                           pending_records(repo, commit, repo.path_in_repo(lib.root), p.pid,
                                           rt.config().branch_prefix),
                           repo, commit, only);
  return persona_history(lib, p, &repo, only, commit);
}

int history_command(Runtime& rt, const HistoryFlags& f) {
  auto print = [&](const PersonaHistory& h) {
    rt.out << (f.format == "json" ? history_json(h) : terminal_safe(history_text(h), true));
    return kExitOk;
  };
  if (!f.rev.empty()) {
    git::Repository repo = git::Repository::discover(rt.root());
    auto commit = repo.try_resolve_commit(f.rev);
    if (!commit)
      throw io_error("--rev: " + quote(f.rev) + " does not resolve to a commit",
                     "'git branch -a' lists the branches; any revision git understands works");
    return print(history_at(rt, f, repo, *commit));
  }
  // Only this persona and its records: the lean load (with validate's cache) tells whether the
  // persona is valid across the library, as the full load would; an unknown or invalid pid falls
  // back to the full load, which says why with the same message as before.
  std::optional<Library> one = load_one_persona(rt.root(), rt.lean_load_options(), f.pid);
  const Persona& p = one ? one->personas.front() : rt.persona(f.pid);
  std::optional<FieldPath> only = field_filter(f, p.pid);
  const Library& lib = one ? *one : rt.library();
  git::Repository repo = git::Repository::discover(lib.root);
  if (f.pending) {
    std::string head = repo.head_unborn() ? "" : repo.head_commit();
    std::vector<BranchRecord> pending;
    if (!head.empty())
      pending = pending_records(repo, head, repo.path_in_repo(lib.root), p.pid,
                                rt.config().branch_prefix);
    return print(pending_history(p, pending, repo, head, only));
  }
  return print(persona_history(lib, p, &repo, only));
}

}  // namespace

void set_history_command(CLI::App& app, Runtime& rt) {
  auto f = std::make_shared<HistoryFlags>();
  app.add_option("pid", f->pid, "Persona id, e.g. APP-153")->required()->type_name("PID");
  app.add_option("--field", f->field,
                 "Only this field (goals: the list and its items) or item (goals[2])")
      ->type_name("FIELD");
  app.add_option("--format", f->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  app.add_option("--rev", f->rev, "The history as of REF: the persona and records at that commit")
      ->type_name("REF");
  app.add_flag("--pending", f->pending,
               "Only contributions on contribution branches not merged yet (local and "
               "remote-tracking)");
  app.footer(
      "Per field: confirmations of the current value and of earlier ones (a confirmation counts\n"
      "for the value it confirmed: after a correction it belongs to the previous value),\n"
      "corrections, extensions, comments, contributors, first and last activity, and each\n"
      "contribution with the commit that added its record (walking the history from HEAD).\n"
      "Records come from the working tree; one not committed on HEAD shows no commit.\n"
      "--rev REF reads the persona and its records at REF instead, and walks from there.\n"
      "--pending lists the records on the contribution branches (<prefix>/..., local and\n"
      "remote-tracking: git fetch first) that HEAD (or REF) does not have, with their branches.\n"
      "\n"
      "JSON: {pid, name, head, pending, total, contributors, first_activity, last_activity,\n"
      "  fields: [{field, confirmations: {current, earlier}, corrections, extensions, comments,\n"
      "            contributors, first_activity, last_activity, contributions: [...]}],\n"
      "  comments: [...]}; a contribution is {id, kind, field, author, time, text, note,\n"
      "  value_hash, value (current|earlier, confirmations only), replaced_by, file, commit,\n"
      "  commit_summary, branches (the branches of a pending one, else [])}.\n"
      "\n"
      "Examples:\n"
      "  persona history APP-153\n"
      "  persona history APP-153 --field goals --format json\n"
      "  persona history APP-153 --pending\n"
      "  persona history APP-153 --rev v1.0");
  app.callback([&rt, f] { rt.action = [&rt, f] { return history_command(rt, *f); }; });
}

}  // namespace persona::cli
