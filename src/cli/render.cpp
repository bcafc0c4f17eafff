#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/report.h"
#include "core/text.h"
#include "render/escape.h"
#include "render/formats.h"
#include "render/templates.h"

namespace persona::cli {

namespace {

struct RenderOptions {
  std::string pid;
  std::string format = "md";
  std::string base_url;
  std::string templates;
};

int render_persona(Runtime& rt, const RenderOptions& o) {
  if (!o.base_url.empty() && !render::is_safe_url(o.base_url))
    throw usage_error("--base-url " + quote(o.base_url) + " is not an http(s) URL");
  const Persona& p = rt.persona(o.pid);
  render::RenderContext ctx(rt.library(), o.base_url);
  const render::Format& format = *render::find_format(o.format);  // CLI11 checked the name
  std::optional<render::TemplateLoad> load;
  if (format.needs_templates) {
    load = render::load_templates(
        o.templates.empty() ? std::nullopt : std::optional<std::filesystem::path>(o.templates));
    if (!load->diagnostics.empty()) {
      print_text(
          rt.err, load->diagnostics, [&](const std::string& f) { return load->source(f); }, false);
      return kExitProblems;
    }
  }
  rt.out << format.render_one(ctx, load ? &load->templates : nullptr, p);
  return kExitOk;
}

}  // namespace

void set_render_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<RenderOptions>();
  app.add_option("pid", o->pid, "Persona id, e.g. APP-153")->required()->type_name("PID");
  app.add_option("--format", o->format, render::formats_help(true, "md"))
      ->check(CLI::IsMember(render::format_names()))
      ->type_name("FORMAT");
  app.add_option("--base-url", o->base_url,
                 "Site address for absolute links (default: library.yaml's base_url)")
      ->type_name("URL");
  app.add_option("--templates", o->templates,
                 "Directory of templates overriding the built-in ones file by file (html)")
      ->type_name("DIR");
  app.footer(
      "Writes one persona to standard output: Markdown and JSON exactly as 'persona export' "
      "writes\n"
      "them, HTML as a page of its own (links go to the published site when base_url is set).\n\n"
      "Examples:\n"
      "  persona render APP-153                         Markdown, for a README or an issue\n"
      "  persona render APP-153 --format html > p.html  one page to open or print\n"
      "  persona render APP-153 --format json | jq .persona.community");
  app.callback([&rt, o] { rt.action = [&rt, o] { return render_persona(rt, *o); }; });
}

}  // namespace persona::cli
