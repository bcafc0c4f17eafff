#include "library/persona.h"

#include <algorithm>
#include <cstdio>

#include "core/text.h"

namespace persona {

namespace {
std::string strip_the(const std::string& name) {
  return name.rfind("The ", 0) == 0 ? name.substr(4) : name;
}
}  // namespace

std::string app_slug(std::string_view app) { return slugify(app); }

std::string Persona::app_slug() const { return persona::app_slug(app); }

std::string Persona::archetype() const {
  std::string rest = strip_the(name);
  if (!app.empty() && rest.size() > app.size() && rest.compare(0, app.size(), app) == 0 &&
      rest[app.size()] == ' ')
    return std::string(trim(rest.substr(app.size() + 1)));
  return rest;
}

std::string legacy_app_name(std::string_view name, std::string_view app) {
  if (name.substr(0, 4) != "The " || app.empty() || slugify(app) != app) return {};
  std::string_view rest = name.substr(4);
  if (rest.size() > app.size() && rest.substr(0, app.size()) == app && rest[app.size()] == ' ')
    return {};
  // The shortest run of the name's first words whose slug is the app's ("Google Analytics" for
  // google-analytics).
  for (std::size_t end = rest.find(' '); end != std::string_view::npos;
       end = rest.find(' ', end + 1)) {
    std::string_view head = rest.substr(0, end);
    if (slugify(head) == app) return std::string(head);
    if (slugify(head).size() > app.size()) break;
  }
  return {};
}

std::string Persona::slug() const { return slugify(strip_the(name)); }
std::string Persona::canonical_path() const { return canonical_persona_path(app, name); }

std::string canonical_persona_path(const std::string& app, const std::string& name) {
  return "personas/" + app_slug(app) + "/" + slugify(strip_the(name)) + ".yaml";
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

std::string next_free_pid(const std::vector<std::string>& pids) {
  long long top = 99;
  for (const auto& p : pids) {
    if (p.size() < 5 || p.size() > 13 || p.rfind("APP-", 0) != 0 ||
        p.find_first_not_of("0123456789", 4) != std::string::npos)
      continue;
    top = std::max(top, std::stoll(p.substr(4)));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "APP-%03lld", top + 1);
  return buf;
}

}  // namespace persona
