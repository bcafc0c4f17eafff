#pragma once
/// The output formats, in one table: their names, what `render` and `export` write in each (the
/// --help texts come from here) and the renderer behind each. A format is added here and nowhere
/// else.
#include <string>
#include <string_view>
#include <vector>

#include "render/context.h"
#include "render/templates.h"

namespace persona::render {

struct Format {
  std::string_view name;         ///< as --format takes it: "html", "json", "md"
  std::string_view extension;    ///< of the files it writes: ".html"
  bool needs_templates;          ///< renders through a TemplateSet
  std::string_view export_help;  ///< what `persona export --format NAME` writes
  std::string_view render_help;  ///< what `persona render --format NAME` writes
  /// Sends this format's files of a whole-library export to `out`.
  void (*add_export)(const RenderContext& ctx, const TemplateSet* templates, Sink& out);
  /// One persona as `persona render` writes it.
  std::string (*render_one)(const RenderContext& ctx, const TemplateSet* templates,
                            const Persona& p);
};

/// Every format, in the order an export builds them.
const std::vector<Format>& formats();
/// The format called `name`; nullptr for none.
const Format* find_format(std::string_view name);
/// The names of formats(), for CLI11's IsMember.
std::vector<std::string> format_names();
/// "NAME (what it is), ... or NAME (what it is)" for --help; `default_name` gets ", default".
std::string formats_help(bool for_render, std::string_view default_name);

}  // namespace persona::render
