#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/text.h"
#include "library/format.h"
#include "yaml/emit.h"

namespace persona::cli {
namespace fs = std::filesystem;

namespace {

struct NewOptions {
  std::string app, name, category;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

/// The app's name as the library writes it: that of an existing persona whose app has the same
/// slug (so --app linear finds "Linear"), else --app as given.
std::string app_name_for(const Library& lib, const std::string& given) {
  std::string app(trim(given));
  std::string slug = app_slug(app);
  if (slug.empty())
    throw usage_error("--app " + quote(given) + " has no ASCII letter or digit to name its folder",
                      "give the app's name as people write it, e.g. --app Linear");
  for (const auto& p : lib.personas)
    if (p.app_slug() == slug) return p.app;
  return app;
}

/// "The <app> <archetype>" from --name: the archetype alone, or a whole name whose app part may
/// be spelled differently ("The linear Triage Lead").
std::string persona_name_for(const std::string& app, const std::string& given) {
  std::string rest(trim(given));
  if (rest.rfind("The ", 0) == 0) rest = std::string(trim(rest.substr(4)));
  std::size_t words = 1 + static_cast<std::size_t>(std::count(app.begin(), app.end(), ' '));
  std::size_t end = 0;
  for (std::size_t w = 0; w < words && end != std::string::npos; ++w)
    end = rest.find(' ', end ? end + 1 : 0);
  if (end != std::string::npos && app_slug(rest.substr(0, end)) == app_slug(app))
    rest = std::string(trim(rest.substr(end)));
  return "The " + app + " " + rest;
}

int create(Runtime& rt, const NewOptions& o) {
  const Library& lib = rt.library();
  const std::string display = app_name_for(lib, o.app);
  const std::string slug = app_slug(display);
  if (trim(o.name).empty()) throw usage_error("--name is empty", "e.g. --name \"Triage Lead\"");
  std::string name = persona_name_for(display, o.name);

  std::string category = o.category;
  if (category.empty()) {
    std::map<std::string, int> seen;
    for (const auto& p : lib.personas)
      if (p.app_slug() == slug) ++seen[p.category];
    int best = 0;
    for (const auto& [c, n] : seen)
      if (n > best) category = c, best = n;
    if (category.empty())
      throw usage_error("no persona of app " + quote(display) + " yet, so --category is needed",
                        "e.g. --category payments");
  }
  if (slugify(category) != category)
    throw usage_error("--category " + quote(category) + " is not a lowercase slug");

  std::vector<std::string> pids;
  for (const auto& f : lib.files)
    if (const yaml::Node* n = f.root ? f.root->find("pid") : nullptr) pids.push_back(n->value);
  std::string pid = next_free_pid(pids);

  std::string rel = canonical_persona_path(display, name);
  fs::path path = rt.root() / rel;
  std::error_code ec;
  if (fs::exists(path, ec))
    throw io_error(quote(rel, 200) + " already exists", "choose another --name");

  yaml::Node root = yaml::make_mapping();
  yaml::append(root, "pid", yaml::make_plain(pid));
  yaml::append(root, "name", yaml::make_scalar(name));
  yaml::append(root, "app", yaml::make_scalar(display));
  yaml::append(root, "category", yaml::make_scalar(category));
  yaml::Node tags = yaml::make_sequence();
  tags.children.push_back(yaml::make_scalar(slug));
  yaml::append(root, "tags", std::move(tags));
  yaml::append(root, "version", yaml::make_plain("1"));
  for (const auto& def : profile_fields()) {
    std::string prompt = replace_all(std::string(def.prompt), "[App]", display);
    if (def.kind == FieldKind::kList) {
      yaml::Node seq = yaml::make_sequence();
      seq.children.push_back(yaml::make_scalar(prompt));
      yaml::append(root, std::string(def.name), std::move(seq));
    } else {
      yaml::append(root, std::string(def.name), yaml::make_scalar(prompt));
    }
  }
  std::string text = yaml::emit(root, {schema_modeline(rel)});
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    throw io_error("cannot create " + quote(path.parent_path().string(), 200) + ": " +
                   ec.message());
  write_file_atomic(path, text);
  rt.out << "created " << rel << " (" << pid << ")\n";
  rt.err << "next: answer every prompt in the file, then run 'persona validate " << rel
         << "' until it is clean\n";
  return kExitOk;
}

}  // namespace

void set_new_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<NewOptions>();
  app.add_option(
         "--app", o->app,
         "The app's name as people write it (e.g. Linear, \"Google Analytics\"); an app the "
         "library has already is found by its slug too (linear)")
      ->required()
      ->type_name("APP");
  app.add_option("--name", o->name,
                 "The persona's name, 'The <App> <Archetype>' or just the archetype")
      ->required()
      ->type_name("NAME");
  app.add_option("--category", o->category,
                 "Category slug (default: the category of the app's other personas)")
      ->type_name("CATEGORY");
  app.footer(
      "Writes personas/<app slug>/<slug>.yaml with the next free pid and a prompt in every field\n"
      "(the app slug is its name in lowercase, other characters made '-': google-analytics).\n"
      "'persona validate' flags each prompt until it is answered.\n\n"
      "Examples:\n"
      "  persona new --app Linear --name \"Triage Lead\"\n"
      "  persona new --app \"Google Analytics\" --name \"Growth Analyst\" --category analytics");
  app.callback([&rt, o] { rt.action = [&rt, o] { return create(rt, *o); }; });
}

}  // namespace persona::cli
