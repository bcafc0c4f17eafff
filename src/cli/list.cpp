#include <CLI/CLI.hpp>
#include <set>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/text.h"
#include "core/untrusted.h"

namespace persona::cli {

namespace {

struct ListOptions {
  std::string app, category, tag, format = "text";
};

void check_filter(const std::string& what, const std::string& value,
                  const std::set<std::string>& known) {
  if (value.empty() || known.count(value)) return;
  std::vector<std::string> k(known.begin(), known.end());
  std::string hint = did_you_mean(value, k);
  std::string all;
  for (const auto& x : k) all += (all.empty() ? "" : ", ") + x;
  throw usage_error("no persona has " + what + " " + quote(value),
                    hint.empty() ? "known: " + all : hint);
}

int list(Runtime& rt, const ListOptions& o) {
  const Library& lib = rt.library();
  rt.warn_invalid_files();
  std::set<std::string> apps, cats, tags;
  bool app_known = false;  // --app names an app by its name or its slug ("Segment", "segment")
  for (const auto& p : lib.personas) {
    apps.insert(p.app);
    app_known = app_known || p.app_slug() == app_slug(o.app);
    cats.insert(p.category);
    tags.insert(p.tags.begin(), p.tags.end());
  }
  if (!app_known) check_filter("app", o.app, apps);
  check_filter("category", o.category, cats);
  check_filter("tag", o.tag, tags);
  std::vector<const Persona*> rows;
  for (const auto& p : lib.personas) {
    if (!o.app.empty() && p.app_slug() != app_slug(o.app)) continue;
    if (!o.category.empty() && p.category != o.category) continue;
    if (!o.tag.empty() && std::find(p.tags.begin(), p.tags.end(), o.tag) == p.tags.end()) continue;
    rows.push_back(&p);
  }
  if (o.format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto* p : rows) {
      nlohmann::ordered_json j;
      j["pid"] = p->pid;
      j["name"] = p->name;
      j["app"] = p->app;
      j["app_slug"] = p->app_slug();
      j["category"] = p->category;
      j["tags"] = p->tags;
      j["file"] = p->file;
      arr.push_back(j);
    }
    rt.out << arr.dump(2) << "\n";
    return kExitOk;
  }
  std::size_t wpid = 3, wapp = 3, wcat = 8;
  for (const auto* p : rows) {
    wpid = std::max(wpid, p->pid.size());
    wapp = std::max(wapp, p->app.size());
    wcat = std::max(wcat, p->category.size());
  }
  auto pad = [](const std::string& s, std::size_t w) {
    return s + std::string(w - std::min(w, s.size()) + 2, ' ');
  };
  bool color = rt.color();
  rt.out << (color ? "\x1b[1m" : "") << pad("PID", wpid) << pad("APP", wapp)
         << pad("CATEGORY", wcat) << "NAME" << (color ? "\x1b[0m" : "") << "\n";
  for (const auto* p : rows)
    rt.out << terminal_safe(pad(p->pid, wpid) + pad(p->app, wapp) + pad(p->category, wcat) +
                            p->name)
           << "\n";
  return kExitOk;
}

}  // namespace

void set_list_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<ListOptions>();
  app.add_option("--app", o->app,
                 "Only personas of this app, by its name or slug (Segment, segment)")
      ->type_name("APP");
  app.add_option("--category", o->category, "Only this category")->type_name("CATEGORY");
  app.add_option("--tag", o->tag, "Only personas with this tag")->type_name("TAG");
  app.add_option("--format", o->format, "text (a table) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  app.footer("Examples:\n  persona list\n  persona list --category payments --format json");
  app.callback([&rt, o] { rt.action = [&rt, o] { return list(rt, *o); }; });
}

}  // namespace persona::cli
