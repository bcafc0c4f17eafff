#include "render/templates.h"

#include <functional>
#include <mutex>
#include <regex>
#include <set>

#include "core/embedded.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/text.h"
#include "library/library.h"
#include "render/escape.h"

namespace persona::render {
namespace fs = std::filesystem;

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
  return Diagnostic{"template", Severity::kError,   origin,         line,
                    col,        std::move(message), std::move(hint)};
}

/// Every {{> name}} in a template, with its byte offset.
std::vector<std::pair<std::string, std::size_t>> partial_refs(const std::string& text) {
  static const std::regex re(R"(\{\{>\s*([^\s}]+)\s*\}\})");
  std::vector<std::pair<std::string, std::size_t>> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it)
    out.emplace_back((*it)[1].str(), static_cast<std::size_t>(it->position(0)));
  return out;
}

}  // namespace

std::vector<Diagnostic> check_template(const std::string& origin, const std::string& text) {
  std::vector<Diagnostic> out;
  if (auto fault = find_text_fault(text)) {
    out.push_back(template_error(origin, fault->line, fault->column, fault->what));
    return out;
  }
  mustache::Template tmpl(text);
  if (tmpl.valid()) return out;
  // The engine reports, as kainjow does, 'Unclosed section "x" at 123' with a byte offset.
  std::string msg = tmpl.error();
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
  mustache::Template tmpl;
  explicit Compiled(const std::string& t) : text(t), tmpl(t) {}
};

std::shared_ptr<const TemplateSet::Compiled> TemplateSet::compiled(const std::string& name) const {
  auto it = files.find(name);
  if (it == files.end()) return nullptr;
  std::lock_guard<std::mutex> lock(*mutex_);
  auto& c = compiled_[name];
  if (!c || c->text != it->second.text) c = std::make_shared<const Compiled>(it->second.text);
  return c;
}

std::string TemplateSet::render(const std::string& name, const mustache::Value& data) const {
  auto it = files.find(name);
  if (it == files.end()) throw io_error("no template " + quote(name));
  auto page = compiled(name);
  if (!page->tmpl.valid())
    throw Error(kExitProblems, it->second.origin + ": " + page->tmpl.error());
  // Partials come from the template files only ("{{> _head}}" is _head.mustache), never from the
  // data, so no value can be read as a template. load_templates() has checked that each one
  // parses and none includes itself.
  std::vector<std::shared_ptr<const Compiled>> held;
  std::string out;
  out.reserve(page->text.size() * 2);
  page->tmpl.render(
      data,
      [&](std::string_view partial) -> const mustache::Template* {
        auto p = compiled(std::string(partial) + ".mustache");
        if (!p || !p->tmpl.valid()) return nullptr;
        held.push_back(p);
        return &p->tmpl;
      },
      out);
  return out;
}

std::string TemplateSet::fingerprint() const {
  std::string all;
  for (const auto& [name, f] : files)
    all += name + " " + std::to_string(f.text.size()) + ":" + f.text + "\n";
  return blob_id(all);
}

std::string TemplateLoad::source(const std::string& origin) const {
  for (const auto& [name, f] : templates.files)
    if (f.origin == origin) return f.text;
  return {};
}

namespace {

/// Replaces the built-in templates with the files of `dir` of the same names (`known`); any
/// other file is an "unknown template" diagnostic with "did you mean".
void apply_overrides(const fs::path& dir, const std::vector<std::string>& known,
                     TemplateLoad& load) {
  auto& files = load.templates.files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw io_error("--templates " + quote(dir.string(), 200) + " is not a directory");
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    entries.push_back(it->path());
  if (ec) throw io_error("cannot list " + quote(dir.string(), 200) + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    std::string name = p.filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::string origin = p.generic_string();
    if (!files.count(name) || !fs::is_regular_file(p, ec)) {
      std::string hint = did_you_mean(name, known);
      if (hint.empty()) {
        hint = "templates that can be overridden: ";
        for (std::size_t i = 0; i < known.size(); ++i) hint += (i ? ", " : "") + known[i];
      }
      load.diagnostics.push_back(
          template_error(origin, 0, 0, "unknown template " + quote(name), hint));
      continue;
    }
    files[name] = TemplateFile{read_file(p, 4 << 20), origin};
  }
}

}  // namespace

TemplateLoad load_templates(const std::optional<fs::path>& override_dir) {
  TemplateLoad load;
  auto& files = load.templates.files;
  for (std::string_view path : embedded_files_under(kTemplatesDir)) {
    std::string name(path.substr(std::string_view(kTemplatesDir).size()));
    files[name] = TemplateFile{std::string(*embedded_file(path)), std::string(path)};
  }
  std::vector<std::string> known;
  known.reserve(files.size());
  for (const auto& [name, f] : files) known.push_back(name);

  if (override_dir) apply_overrides(*override_dir, known, load);

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
      load.diagnostics.push_back(
          template_error(f.origin, line, col, "unknown partial " + quote(ref),
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
      load.diagnostics.push_back(template_error(
          f.origin, 0, 0,
          "partial " + quote(p) + " includes itself (" + chain + stack.front() + ")"));
    }
  }
  sort_diagnostics(load.diagnostics);
  return load;
}

}  // namespace persona::render
