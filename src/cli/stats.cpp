#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"

namespace persona::cli {

// Placeholder until the 'stats' command lands; replaced by its real implementation.
void set_stats_command(CLI::App& app, Runtime& rt) {
  app.allow_extras();
  app.callback([&rt] {
    rt.action = [] () -> int { throw usage_error("'stats' is not implemented yet"); };
  });
}

}  // namespace persona::cli
