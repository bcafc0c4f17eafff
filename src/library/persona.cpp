#include "library/persona.h"

#include "core/text.h"

namespace persona {

namespace {
std::string strip_the(const std::string& name) {
  return name.rfind("The ", 0) == 0 ? name.substr(4) : name;
}

/// Splits the name (without "The") into the app part and the archetype part.
std::pair<std::string, std::string> split_name(const std::string& name, const std::string& app) {
  std::string rest = strip_the(name);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    std::size_t sp = rest.find(' ', pos);
    std::string head = rest.substr(0, sp == std::string::npos ? rest.size() : sp);
    if (slugify(head) == app) {
      std::string tail = sp == std::string::npos ? "" : std::string(trim(rest.substr(sp + 1)));
      return {head, tail};
    }
    if (sp == std::string::npos) break;
    pos = sp + 1;
  }
  return {app, rest};
}
}  // namespace

std::string Persona::app_display() const { return split_name(name, app).first; }
std::string Persona::archetype() const { return split_name(name, app).second; }
std::string Persona::slug() const { return slugify(strip_the(name)); }
std::string Persona::canonical_path() const { return canonical_persona_path(app, name); }

std::string canonical_persona_path(const std::string& app, const std::string& name) {
  return "personas/" + app + "/" + slugify(strip_the(name)) + ".yaml";
}

std::vector<std::pair<FieldPath, std::string>> Persona::addressable() const {
  std::vector<std::pair<FieldPath, std::string>> out;
  for (const auto& f : profile_fields()) {
    FieldPath p{std::string(f.name), std::nullopt};
    if (f.kind == FieldKind::kText) {
      auto it = text.find(p.field);
      out.emplace_back(p, it == text.end() ? "" : it->second);
    } else {
      out.emplace_back(p, *value(p));
      auto it = lists.find(p.field);
      if (it == lists.end()) continue;
      for (std::size_t i = 0; i < it->second.size(); ++i)
        out.emplace_back(FieldPath{p.field, i + 1}, it->second[i]);
    }
  }
  return out;
}

std::optional<std::string> Persona::value(const FieldPath& p) const {
  const FieldDef* def = find_field(p.field);
  if (!def) return std::nullopt;
  if (def->kind == FieldKind::kText) {
    if (p.item) return std::nullopt;
    auto it = text.find(p.field);
    return it == text.end() ? std::optional<std::string>() : it->second;
  }
  auto it = lists.find(p.field);
  if (it == lists.end()) return std::nullopt;
  if (p.item) {
    if (*p.item == 0 || *p.item > it->second.size()) return std::nullopt;
    return it->second[*p.item - 1];
  }
  std::string joined;
  for (const auto& item : it->second) joined += "- " + item + "\n";
  return joined;
}

std::optional<std::string> Persona::canonical_value(const FieldPath& p) const {
  const FieldDef* def = find_field(p.field);
  if (!def) return std::nullopt;
  if (def->kind == FieldKind::kList && !p.item) {
    auto it = lists.find(p.field);
    if (it == lists.end()) return std::nullopt;
    std::string joined;
    for (std::size_t i = 0; i < it->second.size(); ++i) joined += (i ? "\n" : "") + it->second[i];
    return joined;
  }
  return value(p);
}

}  // namespace persona
