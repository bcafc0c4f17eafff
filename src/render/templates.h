#pragma once
/// The website's templates and static assets. The built-in ones are embedded in the binary from
/// src/render/templates/; a directory given with --templates overrides them file by file (same
/// name). Templates are Mustache (render/mustache.h, which reads and renders it as kainjow-mustache
/// does): pages are "<page>.mustache", partials start with '_' ("_head.mustache", used as
/// {{> _head}}), except _card.mustache, which renders one persona card on its own (pages include
/// the result as {{{card_html}}}); everything else (site.css, search.js, favicon.svg) is copied
/// into assets/ as it is.
///
/// Every template is parsed when loaded, so a broken one is reported (file, line, column) before
/// anything is written. Values are HTML-escaped by {{name}}; only keys ending in "_html", already
/// made safe by the renderer, are meant for {{{name}}}. Partials come from the template files only,
/// never from the data.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "render/mustache.h"

namespace persona::render {

/// Where the built-in templates live in the source tree (and their names in embedded_file()).
inline constexpr const char* kTemplatesDir = "src/render/templates/";

struct TemplateFile {
  std::string text;
  std::string origin;  ///< the path shown in messages: built-in path or the override's path
};

class TemplateSet {
 public:
  std::map<std::string, TemplateFile> files;  ///< by name, e.g. "persona.mustache"
  /// The file's text; throws persona::Error when there is no such template.
  const std::string& text(const std::string& name) const;
  /// Renders template `name` with `data` (an object). Throws persona::Error when there is no such
  /// template or it is not valid. Each template is parsed once and kept; rendering is safe from
  /// several threads at once (changing `files` is not).
  std::string render(const std::string& name, const mustache::Value& data) const;
  /// Names of the static assets (not .mustache), sorted.
  std::vector<std::string> assets() const;
  /// A hash of every file's name and text: part of the input key of every page.
  std::string fingerprint() const;

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> compiled(const std::string& name) const;
  mutable std::map<std::string, std::shared_ptr<const Compiled>> compiled_;
  std::shared_ptr<std::mutex> mutex_ = std::make_shared<std::mutex>();
};

struct TemplateLoad {
  TemplateSet templates;
  std::vector<Diagnostic> diagnostics;  ///< broken or unknown templates
  /// Text of each file named in diagnostics, for source excerpts.
  std::string source(const std::string& origin) const;
};

/// The built-in templates, overridden by the files in `override_dir` when given. Throws
/// persona::Error (exit 3) when the directory cannot be read.
TemplateLoad load_templates(const std::optional<std::filesystem::path>& override_dir);

/// Parses one template text: an empty vector when it is valid Mustache.
std::vector<Diagnostic> check_template(const std::string& origin, const std::string& text);

}  // namespace persona::render
