#include <CLI/CLI.hpp>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/text.h"
#include "core/untrusted.h"
#include "library/format.h"
#include "render/markdown.h"

namespace persona::cli {

namespace {

struct ShowOptions {
  std::string pid;
  std::string format = "md";
  bool fields = false;
};

int show(Runtime& rt, const ShowOptions& o) {
  const Persona& p = rt.persona(o.pid);
  const Library& lib = rt.library();
  if (o.fields) {
    auto all = p.addressable();
    if (o.format == "json") {
      nlohmann::ordered_json arr = nlohmann::ordered_json::array();
      for (const auto& [path, value] : all) arr.push_back({{"path", path.str()}, {"value", value}});
      rt.out << arr.dump(2) << "\n";
      return kExitOk;
    }
    std::size_t w = 0;
    for (const auto& [path, value] : all) w = std::max(w, path.str().size());
    for (const auto& [path, value] : all) {
      std::string v = value;
      while (!v.empty() && v.back() == '\n') v.pop_back();
      std::string indent(w + 2, ' ');
      std::string shown;
      for (char c : v) {
        shown += c;
        if (c == '\n') shown += indent;
      }
      std::string key = path.str();
      rt.out << key << std::string(w + 2 - key.size(), ' ') << terminal_safe(shown, true) << "\n";
    }
    return kExitOk;
  }
  if (o.format == "json") {
    for (const auto& f : lib.files)
      if (f.path == p.file) rt.out << f.doc.dump(2) << "\n";
    return kExitOk;
  }
  if (o.format == "yaml") {
    auto r = format_persona(p.file, lib.source(p.file), *rt.persona_schema(), true);
    rt.out << (r.text ? *r.text : lib.source(p.file));
    return kExitOk;
  }
  // What the file says, with no control or bidi character reaching the terminal.
  rt.out << terminal_safe(render::persona_markdown(p), true);
  return kExitOk;
}

}  // namespace

void set_show_command(CLI::App& app, Runtime& rt) {
  auto o = std::make_shared<ShowOptions>();
  app.add_option("pid", o->pid, "Persona id, e.g. APP-153")->required()->type_name("PID");
  app.add_option("--format", o->format, "md (readable, default), json or yaml")
      ->check(CLI::IsMember({"md", "json", "yaml"}))
      ->type_name("FORMAT");
  app.add_flag("--fields", o->fields,
               "List every addressable field path with its value (list items as goals[1], "
               "goals[2], ...); these are the paths 'persona contribute' accepts");
  app.footer(
      "Examples:\n  persona show APP-153\n  persona show APP-153 --fields\n"
      "  persona show APP-153 --format json");
  app.callback([&rt, o] { rt.action = [&rt, o] { return show(rt, *o); }; });
}

}  // namespace persona::cli
