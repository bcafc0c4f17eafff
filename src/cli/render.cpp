#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"

namespace persona::cli {

// Placeholder until the 'render' command lands; replaced by its real implementation.
void set_render_command(CLI::App& app, Runtime& rt) {
  app.allow_extras();
  app.callback([&rt] {
    rt.action = [] () -> int { throw usage_error("'render' is not implemented yet"); };
  });
}

}  // namespace persona::cli
