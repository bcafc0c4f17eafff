#include "render/json.h"

#include <set>

namespace persona::render {

namespace {

using ojson = nlohmann::ordered_json;

ojson time_or_null(const std::string& t) { return t.empty() ? ojson(nullptr) : ojson(t); }

/// A persona's version, a number as its file writes it ("2", "1.0", "1.10"), as a JSON number:
/// whole numbers written without a point stay integers; the others are read as doubles, which
/// JSON writes back with their point ("1.0").
ojson version_number(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() < 16)
    return std::stoll(text);
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return text;  // the schema admits only numbers; a tree built in code may hold anything
  }
}

ojson library_info(const RenderContext& ctx) {
  const Config& c = ctx.library.config;
  ojson j;
  j["name"] = c.name;
  j["description"] = c.description;
  j["base_url"] = ctx.base_url;
  j["repository"] = c.repository;
  return j;
}

std::string dump(const ojson& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

ojson persona_json(const RenderContext& ctx, const Persona& p) {
  const PersonaActivity& a = ctx.activity_of(p.pid);
  ojson j;
  j["pid"] = p.pid;
  j["name"] = p.name;
  j["app"] = p.app;
  j["app_slug"] = p.app_slug();
  j["archetype"] = p.archetype();
  j["category"] = p.category;
  j["tags"] = p.tags;
  j["version"] = version_number(p.version);
  j["file"] = p.file;
  ojson fields = ojson::object();
  for (const auto& def : profile_fields()) {
    std::string name(def.name);
    if (def.kind == FieldKind::kText) {
      auto it = p.text.find(name);
      fields[name] = it == p.text.end() ? "" : it->second;
    } else {
      auto it = p.lists.find(name);
      fields[name] = it == p.lists.end() ? std::vector<std::string>{} : it->second;
    }
  }
  j["fields"] = fields;

  ojson community;
  community["contributions"] = a.total();
  community["contributors"] = a.contributors.size();
  community["last_activity"] = time_or_null(a.last_activity);
  ojson per_field = ojson::object();
  for (const auto& def : profile_fields()) {
    auto it = a.fields.find(std::string(def.name));
    FieldActivity none;
    const FieldActivity& f = it == a.fields.end() ? none : it->second;
    ojson fj;
    fj["confirmations"] = f.confirmations;
    fj["earlier_confirmations"] = f.earlier_confirmations;
    fj["corrections"] = f.corrections;
    fj["extensions"] = f.extensions;
    fj["comments"] = f.comments;
    fj["contributors"] = f.contributors.size();
    fj["last_activity"] = time_or_null(f.last_activity);
    per_field[std::string(def.name)] = fj;
  }
  community["fields"] = per_field;
  ojson comments = ojson::array();
  for (const Record* r : a.comments) {
    ojson c;
    c["id"] = r->id;
    c["author"] = r->author;
    c["time"] = r->time;
    c["field"] = r->field.empty() ? ojson(nullptr) : ojson(r->field);
    c["text"] = r->text;
    comments.push_back(c);
  }
  community["comments"] = comments;
  j["community"] = community;
  return j;
}

std::string persona_document(const RenderContext& ctx, const Persona& p) {
  ojson j;
  j["format"] = kJsonFormat;
  j["kind"] = "persona";
  j["library"] = library_info(ctx);
  j["persona"] = persona_json(ctx, p);
  return dump(j);
}

std::string library_document(const RenderContext& ctx) {
  const auto& lib = ctx.library;
  std::map<std::string, int> apps, cats, tags;
  std::map<std::string, std::string>
      app_names;  // slug -> the app's name, as the first persona writes it
  for (const auto& p : lib.personas) {
    std::string slug = p.app_slug();
    ++apps[slug];
    app_names.emplace(slug, p.app);
    ++cats[p.category];
    for (const auto& t : p.tags) ++tags[t];
  }
  auto facet = [](const std::map<std::string, int>& m, auto&& name) {
    ojson out = ojson::array();
    for (const auto& [slug, n] : m) {
      ojson j;
      j["slug"] = slug;
      j["name"] = name(slug);
      j["personas"] = n;
      out.push_back(j);
    }
    return out;
  };
  ojson j;
  j["format"] = kJsonFormat;
  j["kind"] = "library";
  j["library"] = library_info(ctx);
  j["apps"] = facet(apps, [&](const std::string& s) { return app_names[s]; });
  j["categories"] = facet(cats, [](const std::string& s) { return humanize(s); });
  j["tags"] = facet(tags, [](const std::string& s) { return s; });
  j["personas"] = ojson::array();
  std::string head = dump(j);
  // The personas go in one by one, indented as dump(2) would: the library is never one JSON tree.
  const std::string empty = "  \"personas\": []\n}\n";
  if (lib.personas.empty() || head.size() < empty.size() ||
      head.compare(head.size() - empty.size(), empty.size(), empty) != 0)
    return head;
  std::string out = head.substr(0, head.size() - empty.size()) + "  \"personas\": [\n";
  for (std::size_t i = 0; i < lib.personas.size(); ++i) {
    std::string item = persona_json(ctx, lib.personas[i])
                           .dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    out += "    ";
    for (char c : item) {
      out += c;
      if (c == '\n') out += "    ";
    }
    out += i + 1 < lib.personas.size() ? ",\n" : "\n";
  }
  return out + "  ]\n}\n";
}

void add_json_export(const RenderContext& ctx, Sink& out) {
  out.file("library.json", library_document(ctx));
  for (const auto& p : ctx.library.personas) {
    std::string path = ctx.paths.persona(p.pid, ".json");
    std::string key = persona_key(ctx, p, "json");
    if (!out.reuse(path, key)) out.file(path, persona_document(ctx, p), key);
  }
}

}  // namespace persona::render
