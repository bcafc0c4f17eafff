#include <CLI/CLI.hpp>

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

int create(Runtime& rt, const NewOptions& o) {
  const Library& lib = rt.library();
  if (slugify(o.app) != o.app || o.app.empty())
    throw usage_error("--app " + quote(o.app) + " is not a lowercase slug",
                      "use lowercase letters, digits and '-', e.g. --app " + quote(slugify(o.app)));
  std::string display = o.app;
  for (const auto& p : lib.personas)
    if (p.app == o.app) display = p.app_display();
  if (display == o.app) {
    display = o.app;
    bool up = true;
    for (char& c : display) {
      if (up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      up = c == '-';
      if (c == '-') c = ' ';
    }
  }
  std::string name = trim(o.name).data() ? std::string(trim(o.name)) : "";
  if (name.rfind("The ", 0) != 0) name = "The " + name;
  if (slugify(name.substr(4)).rfind(o.app, 0) != 0) name = "The " + display + " " + name.substr(4);

  std::string category = o.category;
  if (category.empty()) {
    std::map<std::string, int> seen;
    for (const auto& p : lib.personas)
      if (p.app == o.app) ++seen[p.category];
    int best = 0;
    for (const auto& [c, n] : seen)
      if (n > best) category = c, best = n;
    if (category.empty())
      throw usage_error("no persona of app " + quote(o.app) + " yet, so --category is needed",
                        "e.g. --category payments");
  }
  if (slugify(category) != category)
    throw usage_error("--category " + quote(category) + " is not a lowercase slug");

  int next = 99;
  for (const auto& f : lib.files) {
    if (!f.root) continue;
    const yaml::Node* n = f.root->find("pid");
    if (n && n->value.rfind("APP-", 0) == 0 && n->value.size() <= 13 &&
        n->value.find_first_not_of("0123456789", 4) == std::string::npos && n->value.size() > 4)
      next = std::max(next, std::stoi(n->value.substr(4)));
  }
  ++next;
  char pidbuf[32];
  std::snprintf(pidbuf, sizeof pidbuf, "APP-%03d", next);
  std::string pid = pidbuf;

  std::string rel = canonical_persona_path(o.app, name);
  fs::path path = rt.root() / rel;
  std::error_code ec;
  if (fs::exists(path, ec))
    throw io_error(quote(rel, 200) + " already exists", "choose another --name");

  yaml::Node root = yaml::make_mapping();
  yaml::append(root, "pid", yaml::make_plain(pid));
  yaml::append(root, "name", yaml::make_scalar(name));
  yaml::append(root, "app", yaml::make_scalar(o.app));
  yaml::append(root, "category", yaml::make_scalar(category));
  yaml::Node tags = yaml::make_sequence();
  tags.children.push_back(yaml::make_scalar(o.app));
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
  if (ec) throw io_error("cannot create " + quote(path.parent_path().string(), 200) + ": " + ec.message());
  write_file_atomic(path, text);
  rt.out << "created " << rel << " (" << pid << ")\n";
  rt.err << "next: answer every prompt in the file, then run 'persona validate " << rel
         << "' until it is clean\n";
  return kExitOk;
}

}  // namespace

void set_new_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<NewOptions>();
  app.add_option("--app", o->app, "The app, as a lowercase slug (e.g. linear)")->required()->type_name("APP");
  app.add_option("--name", o->name,
                 "The persona's name, 'The <App> <Archetype>' or just the archetype")
      ->required()
      ->type_name("NAME");
  app.add_option("--category", o->category,
                 "Category slug (default: the category of the app's other personas)")
      ->type_name("CATEGORY");
  app.footer(
      "Writes personas/<app>/<slug>.yaml with the next free pid and a prompt in every field.\n"
      "'persona validate' flags each prompt until it is answered.\n\n"
      "Example:\n  persona new --app linear --name \"Triage Lead\" --category project-management");
  app.callback([&rt, o] { rt.action = [&rt, o] { return create(rt, *o); }; });
}

}  // namespace persona::cli
