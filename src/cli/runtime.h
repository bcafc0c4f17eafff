#pragma once
/// What every command gets: global options, output streams, the environment, and the library
/// (loaded once, on demand). The command layer is the only one that includes CLI11.
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "library/library.h"

namespace CLI {
class App;
}

namespace persona::cli {

/// What a command needs before it runs; checked in one place (Runtime::check) from the table.
enum Need : unsigned {
  kNeedNothing = 0,
  kNeedLibrary = 1 << 0,     ///< a library root (library.yaml found upward, or --repo)
  kNeedRepository = 1 << 1,  ///< the library in a git working tree (not bare), owned or marked safe
};

struct GlobalOptions {
  std::string repo;    ///< --repo DIR
  std::string schema;  ///< --schema FILE
  std::string color = "auto";
  unsigned jobs = 0;
};

class Runtime {
 public:
  Runtime(std::ostream& out, std::ostream& err, std::function<const char*(const char*)> getenv);

  GlobalOptions global;
  std::ostream& out;
  std::ostream& err;
  std::function<const char*(const char*)> getenv;
  /// Set by the chosen command's setup; run by main after parsing and the needs check.
  std::function<int()> action;

  void check(unsigned needs);
  std::filesystem::path root();
  /// The library, loaded and validated once.
  const Library& library();
  /// library.yaml's settings, as library().config has them, without loading the rest (the
  /// loaded library's when it is loaded already).
  Config config();
  LoadOptions load_options();
  /// load_options() for a report: the lean load (keep_content = false) with validate's result
  /// cache (library/cache.h), so memory stays flat and an unchanged file is not checked again.
  LoadOptions lean_load_options();
  std::shared_ptr<const schema::Schema> persona_schema();
  /// Colour on `out`: --color always|never|auto (auto: a terminal, NO_COLOR unset, TERM not dumb).
  bool color() const;
  /// The persona with this pid, or a usage error with "did you mean".
  const Persona& persona(const std::string& pid);
  /// Warns on stderr (once) when persona or record files are left out because they have errors,
  /// naming the first few with their first error; returns how many were left out.
  std::size_t warn_invalid_files();
  /// The same, for a library loaded otherwise (export's lean load).
  std::size_t warn_invalid_files(const Library& lib);

 private:
  std::optional<std::filesystem::path> root_;
  std::optional<Library> library_;
  std::shared_ptr<const schema::Schema> schema_;
  bool warned_ = false;
};

// One function per command, each in its own file: adds the subcommand, its options, and an
// action that turns options into a call to the core.
void set_validate_command(CLI::App& app, Runtime& rt);
void set_fmt_command(CLI::App& app, Runtime& rt);
void set_migrate_command(CLI::App& app, Runtime& rt);
void set_list_command(CLI::App& app, Runtime& rt);
void set_show_command(CLI::App& app, Runtime& rt);
void set_new_command(CLI::App& app, Runtime& rt);
void set_render_command(CLI::App& app, Runtime& rt);
void set_export_command(CLI::App& app, Runtime& rt);
void set_contribute_command(CLI::App& app, Runtime& rt);
void set_apply_command(CLI::App& app, Runtime& rt);
void set_history_command(CLI::App& app, Runtime& rt);
void set_check_command(CLI::App& app, Runtime& rt);
void set_stats_command(CLI::App& app, Runtime& rt);

struct CommandEntry {
  const char* name;
  const char* summary;
  unsigned needs;
  void (*setup)(CLI::App&, Runtime&);
};

/// The command table.
const std::vector<CommandEntry>& commands();

/// Parses argv and runs the chosen command; returns the exit code. Throws persona::Error.
int run(int argc, char** argv, Runtime& rt);

}  // namespace persona::cli
