#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"

namespace persona::cli {

// Placeholder until the 'apply' command lands; replaced by its real implementation.
void set_apply_command(CLI::App& app, Runtime& rt) {
  app.allow_extras();
  app.callback([&rt] {
    rt.action = [] () -> int { throw usage_error("'apply' is not implemented yet"); };
  });
}

}  // namespace persona::cli
