#pragma once
/// Where things go in an export: every output path is built from slugs only, so nothing a
/// persona file says (a pid, an app, a category) can place a file outside the output directory.
/// Also the "+" links that lead readers to contribute.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "library/library.h"

namespace persona::render {

/// True for a relative path made of plain components ([A-Za-z0-9._-], not starting with '.'),
/// '/'-separated, with no empty, '.' or '..' component. Checked before every write.
bool is_safe_output_path(std::string_view path);

/// A slug for use in a path: slugify(s), or "x-<hash>" when that is empty.
std::string path_slug(std::string_view s);

/// The output paths of every page of a library, slugs made unique: two names with the same slug
/// get a short hash of the name appended, so neither overwrites the other.
class SitePaths {
 public:
  explicit SitePaths(const std::vector<Persona>& personas);
  /// "personas/app-153" + ext (".html", ".json", ".md")
  std::string persona(const std::string& pid, std::string_view ext) const;
  /// "apps/segment.html"
  std::string app(const std::string& app) const;
  /// "categories/data-infrastructure.html"
  std::string category(const std::string& category) const;

 private:
  std::unordered_map<std::string, std::string> pid_, app_, category_;  ///< name -> slug
};

/// The link behind a "+": the library's contribute_url template with {pid}, {field} and {kind}
/// URL-encoded, or by default the repository's contribution issue form, prefilled. "" when the
/// library has neither (no "+" is shown then), or when the result is not an http(s) URL.
std::string contribute_url(const Config& config, std::string_view pid, std::string_view field,
                           std::string_view kind);

/// "../" repeated once per directory in `page` ("personas/x.html" -> "../"), to reach the root.
std::string root_prefix(std::string_view page);

/// "Data infrastructure" for "data-infrastructure".
std::string humanize(std::string_view slug);

/// sitemap.xml for `pages` (paths relative to the site) published at `base_url`.
std::string sitemap(std::string_view base_url, const std::vector<std::string>& pages);

}  // namespace persona::render
