#include "check/stats.h"

#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/time.h"
#include "library/records.h"

namespace persona::cli {

namespace {

struct StatsFlags {
  std::string format = "text";
};

int run_stats(Runtime& rt, const StatsFlags& f) {
  const Library& lib = rt.library();
  rt.warn_invalid_files();
  auto stats = check::compute_stats(lib, utc_now(rt.getenv("PERSONA_NOW")));
  if (f.format == "json")
    rt.out << check::stats_json(stats).dump(2) << "\n";
  else
    check::print_stats(rt.out, stats);
  return kExitOk;
}

}  // namespace

void set_stats_command(CLI::App& app, Runtime& rt) {
  auto f = std::make_shared<StatsFlags>();
  app.add_option("--format", f->format, "Output: text (people) or json (tools, the website)")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  app.footer(
      "Per persona and per field: confirmations of the current value (and of earlier values),\n"
      "corrections, extensions, comments and the age of the last activity, read from the\n"
      "contribution records; the fields nobody has contributed to yet; and the library's\n"
      "validation coverage: the share of fields with at least one confirmation of their\n"
      "current value. Ages are measured to now (PERSONA_NOW overrides the clock).\n\n"
      "Examples:\n"
      "  persona stats\n"
      "  persona stats --format json\n\n"
      "Exit codes: 0 ok, 2 usage error, 3 I/O error.");
  app.callback([&rt, f] { rt.action = [&rt, f] { return run_stats(rt, *f); }; });
}

}  // namespace persona::cli
