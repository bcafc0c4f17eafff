#include "render/templates.h"

#include <kainjow/mustache.hpp>

#include <functional>
#include <regex>
#include <set>

#include "core/embedded.h"
#include "core/error.h"
#include "core/text.h"
#include "library/library.h"
#include "render/escape.h"
#include "render/sha1.h"

namespace persona::render {
namespace fs = std::filesystem;
namespace mu = kainjow::mustache;

namespace {

bool is_template(const std::string& name) {
  return name.size() > 9 && name.substr(name.size() - 9) == ".mustache";
}

std::string stem(const std::string& name) { return name.substr(0, name.size() - 9); }

/// 1-based line and column (characters) of byte `offset` in `text`.
std::pair<int, int> position(const std::string& text, std::size_t offset) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return {line, col};
}

Diagnostic template_error(const std::string& origin, int line, int col, std::string message,
                          std::string hint = {}) {
  return Diagnostic{"template", Severity::kError, origin, line, col, std::move(message),
                    std::move(hint)};
}

/// Every {{> name}} in a template, with its byte offset.
std::vector<std::pair<std::string, std::size_t>> partial_refs(const std::string& text) {
  static const std::regex re(R"(\{\{>\s*([^\s}]+)\s*\}\})");
  std::vector<std::pair<std::string, std::size_t>> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.emplace_back((*it)[1].str(), static_cast<std::size_t>(it->position(0)));
  return out;
}

mu::data scalar(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::string:
      return mu::data(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::boolean:
      return mu::data(j.get<bool>());
    case nlohmann::json::value_t::null:
      return mu::data(false);
    default:
      return mu::data(j.dump());
  }
}

mu::data empty_like(const nlohmann::json& j) {
  if (j.is_object()) return mu::data(mu::data::type::object);
  if (j.is_array()) return mu::data(mu::data::type::list);
  return scalar(j);
}

/// Fills `d` (made by empty_like(j)) from `j` top-down: kainjow's set() and push_back() copy what
/// they are given, so children are added empty and filled in place, never copied whole.
/// (kainjow only hands out const access to children; they are not const objects, so the
/// const_cast is sound.)
void fill(mu::data& d, const nlohmann::json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      // Partials are looked up like variables; a data key shaped like a partial's name would
      // let data be read as a template.
      if (!it.key().empty() && it.key()[0] == '_')
        throw std::logic_error("template data key '" + it.key() + "' starts with '_'");
      d.set(it.key(), empty_like(it.value()));
      if (it.value().is_structured()) fill(const_cast<mu::data&>(*d.get(it.key())), it.value());
    }
  } else if (j.is_array()) {
    for (const auto& v : j) {
      d.push_back(empty_like(v));
      if (v.is_structured()) fill(const_cast<mu::data&>(d.list_value().back()), v);
    }
  }
}

mu::data to_data(const nlohmann::json& j) {
  mu::data d = empty_like(j);
  fill(d, j);
  return d;
}

}  // namespace

std::vector<Diagnostic> check_template(const std::string& origin, const std::string& text) {
  std::vector<Diagnostic> out;
  if (auto fault = find_text_fault(text)) {
    out.push_back(template_error(origin, fault->line, fault->column, fault->what));
    return out;
  }
  mu::mustache tmpl(text);
  if (tmpl.is_valid()) return out;
  // kainjow reports 'Unclosed section "x" at 123' with a byte offset.
  std::string msg = tmpl.error_message();
  std::size_t offset = 0;
  std::size_t at = msg.rfind(" at ");
  if (at != std::string::npos) {
    offset = std::strtoul(msg.c_str() + at + 4, nullptr, 10);
    msg.resize(at);
  }
  std::string name;
  std::size_t q1 = msg.find('"'), q2 = msg.rfind('"');
  if (q1 != std::string::npos && q2 > q1) name = msg.substr(q1 + 1, q2 - q1 - 1);
  std::string hint;
  if (msg.rfind("Unclosed section", 0) == 0) {
    msg = "unclosed section " + quote(name);
    hint = "close it with {{/" + name + "}}";
  } else if (msg.rfind("Unopened section", 0) == 0) {
    msg = "{{/" + name + "}} closes a section that is not open";
    hint = "open it with {{#" + name + "}} or remove it";
  } else if (msg.rfind("Unclosed tag", 0) == 0) {
    msg = "unclosed tag";
    hint = "a tag ends with }} (or }}} after {{{)";
  } else if (msg.rfind("Invalid set delimiter", 0) == 0) {
    msg = "invalid set-delimiter tag";
  } else if (!msg.empty()) {
    msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
  }
  auto [line, col] = position(text, offset);
  out.push_back(template_error(origin, line, col, msg, hint));
  return out;
}

const std::string& TemplateSet::text(const std::string& name) const {
  auto it = files.find(name);
  if (it == files.end()) throw io_error("no template " + quote(name));
  return it->second.text;
}

std::vector<std::string> TemplateSet::assets() const {
  std::vector<std::string> out;
  for (const auto& [name, f] : files)
    if (!is_template(name)) out.push_back(name);
  return out;
}

struct TemplateSet::Compiled {
  std::string text;  ///< what was parsed, to notice a file changed since
  mu::mustache tmpl;
  explicit Compiled(const std::string& t) : text(t), tmpl(t) {
    tmpl.set_custom_escape([](const std::string& s) { return html_escape(s); });
  }
};

std::string TemplateSet::render(const std::string& name, const nlohmann::json& data) const {
  auto it = files.find(name);
  if (it == files.end()) throw io_error("no template " + quote(name));
  auto& compiled = compiled_[name];
  if (!compiled || compiled->text != it->second.text) compiled = std::make_shared<Compiled>(it->second.text);
  mu::data root = to_data(data);
  for (const auto& [n, f] : files) {
    if (!is_template(n) || n[0] != '_') continue;
    const std::string* text = &f.text;
    root.set(stem(n), mu::partial([text] { return *text; }));
  }
  std::string out = compiled->tmpl.render(root);
  if (!compiled->tmpl.is_valid()) {
    std::string message = compiled->tmpl.error_message();
    compiled.reset();
    throw Error(kExitProblems, it->second.origin + ": " + message);
  }
  return out;
}

std::string TemplateSet::fingerprint() const {
  std::string all;
  for (const auto& [name, f] : files) all += name + " " + std::to_string(f.text.size()) + ":" + f.text + "\n";
  return blob_id(all);
}

std::string TemplateLoad::source(const std::string& origin) const {
  for (const auto& [name, f] : templates.files)
    if (f.origin == origin) return f.text;
  return {};
}

TemplateLoad load_templates(const std::optional<fs::path>& override_dir) {
  TemplateLoad load;
  auto& files = load.templates.files;
  for (std::string_view path : embedded_files_under(kTemplatesDir)) {
    std::string name(path.substr(std::string_view(kTemplatesDir).size()));
    files[name] = TemplateFile{std::string(*embedded_file(path)), std::string(path)};
  }
  std::vector<std::string> known;
  for (const auto& [name, f] : files) known.push_back(name);

  if (override_dir) {
    std::error_code ec;
    if (!fs::is_directory(*override_dir, ec))
      throw io_error("--templates " + quote(override_dir->string(), 200) + " is not a directory");
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(*override_dir, ec), end; !ec && it != end; it.increment(ec))
      entries.push_back(it->path());
    if (ec) throw io_error("cannot list " + quote(override_dir->string(), 200) + ": " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (const auto& p : entries) {
      std::string name = p.filename().string();
      if (name.empty() || name[0] == '.') continue;
      std::string origin = p.generic_string();
      if (!files.count(name) || !fs::is_regular_file(p, ec)) {
        std::string hint = did_you_mean(name, known);
        load.diagnostics.push_back(template_error(
            origin, 0, 0, "unknown template " + quote(name),
            hint.empty() ? "templates that can be overridden: " + [&] {
              std::string all;
              for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
              return all;
            }()
                         : hint));
        continue;
      }
      files[name] = TemplateFile{read_file(p, 4 << 20), origin};
    }
  }

  std::set<std::string> partials;
  for (const auto& [name, f] : files)
    if (is_template(name) && name[0] == '_') partials.insert(stem(name));
  for (const auto& [name, f] : files) {
    if (!is_template(name)) continue;
    auto d = check_template(f.origin, f.text);
    load.diagnostics.insert(load.diagnostics.end(), d.begin(), d.end());
    if (!d.empty()) continue;
    for (const auto& [ref, offset] : partial_refs(f.text)) {
      if (partials.count(ref)) continue;
      auto [line, col] = position(f.text, offset);
      std::vector<std::string> names(partials.begin(), partials.end());
      std::string hint = did_you_mean(ref, names);
      load.diagnostics.push_back(template_error(f.origin, line, col, "unknown partial " + quote(ref),
                                                hint.empty() ? "partials are the files named _*.mustache" : hint));
    }
  }
  // A partial that includes itself, directly or not, would recurse without end.
  std::function<bool(const std::string&, std::vector<std::string>&)> cycle =
      [&](const std::string& p, std::vector<std::string>& stack) {
        if (std::find(stack.begin(), stack.end(), p) != stack.end()) return p == stack.front();
        auto it = files.find(p + ".mustache");
        if (it == files.end()) return false;
        stack.push_back(p);
        for (const auto& [ref, offset] : partial_refs(it->second.text))
          if (cycle(ref, stack)) return true;
        stack.pop_back();
        return false;
      };
  for (const auto& p : partials) {
    std::vector<std::string> stack;
    if (cycle(p, stack)) {
      const auto& f = files[p + ".mustache"];
      std::string chain;
      for (const auto& s : stack) chain += s + " -> ";
      load.diagnostics.push_back(template_error(f.origin, 0, 0,
                                                "partial " + quote(p) + " includes itself (" + chain + stack.front() + ")"));
    }
  }
  sort_diagnostics(load.diagnostics);
  return load;
}

}  // namespace persona::render
