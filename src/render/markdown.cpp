#include "render/markdown.h"

#include <nlohmann/json.hpp>

namespace persona::render {

std::string persona_markdown(const Persona& p, const MarkdownOptions& o) {
  std::string out;
  if (o.front_matter) {
    // JSON strings are valid YAML flow scalars, so values are always quoted safely.
    auto q = [](const std::string& s) { return nlohmann::json(s).dump(); };
    out += "---\n";
    out += "pid: " + q(p.pid) + "\n";
    out += "name: " + q(p.name) + "\n";
    out += "app: " + q(p.app) + "\n";
    out += "category: " + q(p.category) + "\n";
    out += "tags: " + nlohmann::json(p.tags).dump() + "\n";
    out += "version: " + std::to_string(p.version) + "\n";
    out += "---\n\n";
  }
  out += "# " + p.name + "\n\n";
  out += "`" + p.pid + "` · " + p.app_display() + " · " + p.category;
  if (!p.tags.empty()) {
    out += " ·";
    for (const auto& t : p.tags) out += " #" + t;
  }
  out += "\n";
  for (const auto& def : profile_fields()) {
    out += "\n## " + std::string(def.label) + "\n\n";
    if (def.kind == FieldKind::kText) {
      auto it = p.text.find(std::string(def.name));
      if (it != p.text.end()) out += it->second + (it->second.empty() || it->second.back() != '\n' ? "\n" : "");
    } else {
      auto it = p.lists.find(std::string(def.name));
      if (it != p.lists.end())
        for (const auto& item : it->second) out += "- " + item + "\n";
    }
  }
  return out;
}

}  // namespace persona::render
