#include <CLI/CLI.hpp>
#include <cstring>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/text.h"

namespace persona::cli {

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> kCommands = {
      {"validate", "Check persona files against the schema and the library rules", kNeedNothing,
       set_validate_command},
      {"fmt", "Rewrite persona files in canonical form (or --check them)", kNeedNothing,
       set_fmt_command},
      {"migrate", "Rewrite persona files from the earlier format into the published one",
       kNeedNothing, set_migrate_command},
      {"list", "List the personas, filtered by app, category or tag", kNeedLibrary,
       set_list_command},
      {"show", "Show one persona, or every field path it has (--fields)", kNeedLibrary,
       set_show_command},
      {"new", "Scaffold a new persona with the next free pid", kNeedLibrary, set_new_command},
      {"render", "Write one persona to stdout as Markdown, HTML or JSON", kNeedLibrary,
       set_render_command},
      {"export", "Write the whole library as a static website, JSON or Markdown", kNeedLibrary,
       set_export_command},
      {"contribute", "Confirm, correct, extend or comment on a field, as a commit on a branch",
       kNeedLibrary | kNeedRepository, set_contribute_command},
      {"apply", "Turn a contribution request (YAML, JSON or issue form) into a branch",
       kNeedLibrary | kNeedRepository, set_apply_command},
      {"history", "Show the contributions to a persona, field by field",
       kNeedLibrary | kNeedRepository, set_history_command},
      {"check", "The pull-request gate: validate, fmt --check, and judge the change", kNeedLibrary,
       set_check_command},
      {"stats", "What needs the community's help: activity per persona and field", kNeedLibrary,
       set_stats_command},
  };
  return kCommands;
}

namespace {

std::vector<std::string> command_names() {
  std::vector<std::string> out;
  for (const auto& c : commands()) out.emplace_back(c.name);
  return out;
}

}  // namespace

int run(int argc, char** argv, Runtime& rt) {
  CLI::App app{
      "persona: a community-sourced persona library in a git repository.\n"
      "Personas are YAML files under personas/<app>/; every field can be confirmed,\n"
      "corrected or extended by the people it describes.",
      "persona"};
  app.set_version_flag("--version", std::string("persona ") + PERSONA_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--repo", rt.global.repo,
                 "Library root (default: the nearest directory upward with library.yaml)")
      ->type_name("DIR");
  app.add_option("--schema", rt.global.schema,
                 "Persona JSON Schema to use instead of the built-in one")
      ->type_name("FILE");
  app.add_option("--color", rt.global.color, "Colour output: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN");
  app.add_option("-j,--jobs", rt.global.jobs, "Worker threads (default: one per core)")
      ->type_name("N");
  app.footer(
      "Examples:\n"
      "  persona validate                      check the whole library\n"
      "  persona list --app segment            personas of one app\n"
      "  persona show APP-153 --fields         every field path, as contribute accepts it\n"
      "\nExit codes: 0 ok, 1 problems found, 2 usage error, 3 I/O or repository error.\n"
      "Run 'persona COMMAND --help' for a command's options.");

  std::map<CLI::App*, const CommandEntry*> entries;
  for (const auto& c : commands()) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    c.setup(*sub, rt);
    entries[sub] = &c;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, rt.out, rt.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, rt.out, rt.err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, rt.out, rt.err);
  } catch (const CLI::ParseError& e) {
    // A word CLI11 took for no command: an unknown command, with "did you mean". (CLI11 knows
    // which global options take a value, so a value such as `--repo DIR` is never mistaken.)
    if (app.get_subcommands().empty()) {
      for (const std::string& a : app.remaining(false)) {
        if (a.empty() || a[0] == '-') continue;
        auto names = command_names();
        std::string hint = did_you_mean(a, names);
        throw usage_error(quote(a) + " is not a persona command",
                          hint.empty() ? "'persona --help' lists the commands" : hint);
      }
    }
    std::string msg = e.what();
    if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
    while (!msg.empty() && (msg.back() == '.' || msg.back() == '\n')) msg.pop_back();
    throw usage_error(msg, "run 'persona --help' or 'persona COMMAND --help'");
  }
  for (auto& [sub, entry] : entries) {
    if (sub->parsed()) {
      rt.check(entry->needs);
      if (!rt.action)
        throw usage_error(std::string("command ") + quote(entry->name) + " did nothing");
      return rt.action();
    }
  }
  throw usage_error("no command given", "'persona --help' lists the commands");
}

}  // namespace persona::cli
