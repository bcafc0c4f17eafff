#include "render/export.h"

#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/report.h"
#include "core/text.h"
#include "render/escape.h"
#include "render/formats.h"
#include "render/stream.h"
#include "render/templates.h"

namespace persona::cli {

namespace {

struct ExportOptions {
  std::vector<std::string> formats;
  std::string out;
  std::string base_url;
  std::string templates;
  bool strict = false;
};

/// With --strict, a file left out fails the export (exit 1) once it is written.
int strict_status(Runtime& rt, const ExportOptions& o, std::size_t left_out) {
  if (!o.strict || left_out == 0) return kExitOk;
  rt.err << "persona: error: --strict: " << left_out
         << (left_out == 1 ? " file was" : " files were") << " left out of the export\n";
  return kExitProblems;
}

int export_library(Runtime& rt, const ExportOptions& o) {
  if (!o.base_url.empty() && !render::is_safe_url(o.base_url))
    throw usage_error("--base-url " + quote(o.base_url) + " is not an http(s) URL");
  std::vector<std::string> formats =
      o.formats.empty() ? std::vector<std::string>{"html"} : o.formats;
  bool html = std::find(formats.begin(), formats.end(), "html") != formats.end();
  std::optional<render::TemplateLoad> templates;
  if (html || !o.templates.empty()) {
    templates = render::load_templates(
        o.templates.empty() ? std::nullopt : std::optional<std::filesystem::path>(o.templates));
    if (!templates->diagnostics.empty()) {
      print_text(
          rt.err, templates->diagnostics,
          [&](const std::string& f) { return templates->source(f); }, false);
      rt.err << "persona: nothing exported; " << quote(o.out, 200) << " is unchanged\n";
      return kExitProblems;
    }
  }
  if (html && std::all_of(formats.begin(), formats.end(),
                          [](const std::string& f) { return f == "html"; })) {
    // The website alone is made one persona at a time from the lean, cached load that validate
    // uses, so memory stays flat however large the library is. The load is made once the output
    // directory is locked, while the previous export's state is read.
    render::StreamOptions so;
    so.root = rt.root();
    so.base_url = o.base_url;
    so.jobs = rt.global.jobs;
    render::Disk disk;
    std::size_t left_out = 0;
    render::WriteReport report = render::write_export(o.out, disk, [&](render::Sink& sink) {
      auto load = [&] {
        Library lean = load_library(rt.root(), rt.lean_load_options());
        left_out = rt.warn_invalid_files(lean);
        return lean;
      };
      render::stream_html_site(load, templates->templates, so, sink);
    });
    rt.out << render::report_line(report, o.out) << "\n";
    return strict_status(rt, o, left_out);
  }
  const Library& lib = rt.library();
  std::size_t left_out = rt.warn_invalid_files();
  render::RenderContext ctx(lib, o.base_url);
  render::Disk disk;
  render::WriteReport report = render::write_export(o.out, disk, [&](render::Sink& sink) {
    render::export_files(ctx, formats, templates ? &templates->templates : nullptr, sink);
  });
  rt.out << render::report_line(report, o.out) << "\n";
  return strict_status(rt, o, left_out);
}

}  // namespace

void set_export_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<ExportOptions>();
  app.add_option("--format", o->formats,
                 render::formats_help(false, "html") + "; repeat it or use commas for several")
      ->check(CLI::IsMember(render::format_names()))
      ->delimiter(',')
      ->type_name("FORMAT");
  app.add_option("--out", o->out,
                 "Output directory: new, empty, or a previous export (updated in place: only "
                 "changed files rewritten, each replaced whole; files no longer exported removed)")
      ->required()
      ->type_name("DIR");
  app.add_option("--base-url", o->base_url,
                 "Where the site will be published, for canonical links and sitemap.xml "
                 "(default: library.yaml's base_url)")
      ->type_name("URL");
  app.add_option(
         "--templates", o->templates,
         "Directory of templates overriding the built-in ones file by file (same names: "
         "index.mustache, persona.mustache, group.mustache, _card.mustache, _head.mustache, "
         "_foot.mustache, site.css, search.js, favicon.svg)")
      ->type_name("DIR");
  app.add_flag("--strict", o->strict,
               "Exit 1 when a persona or record file is left out because of errors (the export is "
               "still written; without --strict such files are left out with a warning)");
  app.footer(
      "A new DIR is built beside and renamed into place: it appears complete or not at all. A "
      "previous export is updated in place and each file is replaced whole (written beside it, "
      "then renamed over it), so a web server serving DIR never sees a partial file; if an export "
      "fails or is interrupted, DIR holds a mix of old and new whole files, and the next export "
      "completes it.\nThe same library always gives byte-identical files. The built-in "
      "templates to start an override from are in src/render/templates/ of persona's source.\n\n"
      "Examples:\n"
      "  persona export --out site                        the website; open site/index.html\n"
      "  persona export --format json --format md --out dist\n"
      "  persona export --out site --base-url https://example.org/personas/\n"
      "  persona export --out site --templates my-templates   with your own persona.mustache");
  app.callback([&rt, o] { rt.action = [&rt, o] { return export_library(rt, *o); }; });
}

}  // namespace persona::cli
