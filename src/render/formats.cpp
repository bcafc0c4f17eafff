#include "render/formats.h"

#include <stdexcept>

#include "render/html.h"
#include "render/json.h"
#include "render/markdown.h"

namespace persona::render {

namespace {

const TemplateSet& need(const TemplateSet* templates) {
  if (!templates) throw std::logic_error("an html rendering without templates");
  return *templates;
}

}  // namespace

const std::vector<Format>& formats() {
  static const std::vector<Format> kFormats = {
      {"html", ".html", true, "a static website", "a standalone page, styles inlined, no script",
       [](const RenderContext& ctx, const TemplateSet* t, Sink& out) {
         add_html_site(ctx, need(t), out);
       },
       [](const RenderContext& ctx, const TemplateSet* t, const Persona& p) {
         return standalone_persona_page(ctx, need(t), p);
       }},
      {"json", ".json", false, "library.json and one file per persona", "as in the JSON export",
       [](const RenderContext& ctx, const TemplateSet*, Sink& out) { add_json_export(ctx, out); },
       [](const RenderContext& ctx, const TemplateSet*, const Persona& p) {
         return persona_document(ctx, p);
       }},
      {"md", ".md", false, "README.md and one file per persona", "Markdown with front matter",
       [](const RenderContext& ctx, const TemplateSet*, Sink& out) {
         add_markdown_export(ctx, out);
       },
       [](const RenderContext& ctx, const TemplateSet*, const Persona& p) {
         return persona_markdown_document(ctx, p);
       }},
  };
  return kFormats;
}

const Format* find_format(std::string_view name) {
  for (const auto& f : formats())
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> format_names() {
  std::vector<std::string> out;
  for (const auto& f : formats()) out.emplace_back(f.name);
  return out;
}

std::string formats_help(bool for_render, std::string_view default_name) {
  std::string out;
  const auto& all = formats();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i) out += i + 1 == all.size() ? " or " : ", ";
    out += std::string(all[i].name) + " (" +
           std::string(for_render ? all[i].render_help : all[i].export_help) +
           (all[i].name == default_name ? ", default" : "") + ")";
  }
  return out;
}

}  // namespace persona::render
