#include "git/history.h"

#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/text.h"
#include "core/untrusted.h"
#include "library/partial_load.h"

namespace persona::cli {

namespace {

struct HistoryFlags {
  std::string pid;
  std::string field;
  std::string format = "text";
};

int history_command(Runtime& rt, const HistoryFlags& f) {
  // Only this persona and its records: the lean load (with validate's cache) tells whether the
  // persona is valid across the library, as the full load would; an unknown or invalid pid falls
  // back to the full load, which says why with the same message as before.
  std::optional<Library> one = load_one_persona(rt.root(), rt.lean_load_options(), f.pid);
  const Persona& p = one ? one->personas.front() : rt.persona(f.pid);
  std::optional<FieldPath> only;
  if (!f.field.empty()) {
    std::string err;
    only = parse_field_path(f.field, &err);
    if (!only)
      throw usage_error("--field: " + err,
                        "'persona show " + p.pid + " --fields' lists the field paths");
  }
  const Library& lib = one ? *one : rt.library();
  git::Repository repo = git::Repository::discover(lib.root);
  PersonaHistory h = persona_history(lib, p, &repo, only);
  rt.out << (f.format == "json" ? history_json(h) : terminal_safe(history_text(h), true));
  return kExitOk;
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
  app.footer(
      "Per field: confirmations of the current value and of earlier ones (a confirmation counts\n"
      "for the value it confirmed: after a correction it belongs to the previous value),\n"
      "corrections, extensions, comments, contributors, first and last activity, and each\n"
      "contribution with the commit that added its record (walking the history from HEAD).\n"
      "Records come from the working tree; one not committed on HEAD shows no commit.\n"
      "\n"
      "JSON: {pid, name, head, total, contributors, first_activity, last_activity,\n"
      "  fields: [{field, confirmations: {current, earlier}, corrections, extensions, comments,\n"
      "            contributors, first_activity, last_activity, contributions: [...]}],\n"
      "  comments: [...]}; a contribution is {id, kind, field, author, time, text, note,\n"
      "  value_hash, value (current|earlier, confirmations only), replaced_by, file, commit,\n"
      "  commit_summary}.\n"
      "\n"
      "Examples:\n"
      "  persona history APP-153\n"
      "  persona history APP-153 --field goals --format json");
  app.callback([&rt, f] { rt.action = [&rt, f] { return history_command(rt, *f); }; });
}

}  // namespace persona::cli
