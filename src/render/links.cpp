#include "render/links.h"

#include <algorithm>
#include <unordered_set>

#include "core/hash.h"
#include "core/parallel.h"
#include "core/text.h"
#include "render/escape.h"

namespace persona::render {

bool is_safe_output_path(std::string_view path) {
  if (path.empty() || path.size() > 400) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part.empty() || part[0] == '.' || part == "..") return false;
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.';
      if (!ok) return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::string path_slug(std::string_view s) {
  std::string slug = slugify(s);
  if (slug.size() > 80) slug = slugify(slug.substr(0, 80));
  if (slug.empty()) slug = "x-" + blob_id(s).substr(0, 8);
  return slug;
}

namespace {

/// Each distinct string of `all`, sorted.
std::vector<const std::string*> distinct_sorted(const std::vector<const std::string*>& all) {
  std::unordered_set<std::string_view> seen;
  std::vector<const std::string*> out;
  for (const std::string* s : all)
    if (seen.insert(*s).second) out.push_back(s);
  std::sort(out.begin(), out.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  return out;
}

/// Assigns each name (sorted, distinct) a unique slug; on a clash every later name gets a hash.
std::unordered_map<std::string, std::string> unique_slugs(
    const std::vector<const std::string*>& names) {
  std::unordered_map<std::string, std::string> out;
  out.reserve(names.size());
  // The slugs on every core (there is one per persona), the clashes in order.
  std::vector<std::string> slugs(names.size());
  parallel_for(names.size(), 0, [&](std::size_t i) { slugs[i] = path_slug(*names[i]); });
  std::unordered_set<std::string> used;
  used.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& n = *names[i];
    std::string slug = std::move(slugs[i]);
    if (!used.insert(slug).second) {
      slug += '-';
      slug += std::string_view(blob_id(n)).substr(0, 8);
      used.insert(slug);
    }
    out.emplace(n, std::move(slug));
  }
  return out;
}

/// `prefix`, the slug of `key` and `suffix`, in one allocation.
std::string path_of(std::string_view prefix, const std::unordered_map<std::string, std::string>& m,
                    const std::string& key, std::string_view suffix) {
  auto it = m.find(key);
  std::string made = it == m.end() ? path_slug(key) : std::string();
  const std::string& slug = it == m.end() ? made : it->second;
  std::string out;
  out.reserve(prefix.size() + slug.size() + suffix.size());
  out += prefix;
  out += slug;
  out += suffix;
  return out;
}

}  // namespace

SitePaths::SitePaths(const std::vector<Persona>& personas) {
  std::vector<const std::string*> pids, apps, cats;
  for (auto* v : {&pids, &apps, &cats}) v->reserve(personas.size());
  for (const auto& p : personas) {
    pids.push_back(&p.pid);
    apps.push_back(&p.app);
    cats.push_back(&p.category);
  }
  pid_ = unique_slugs(distinct_sorted(pids));
  app_ = unique_slugs(distinct_sorted(apps));
  category_ = unique_slugs(distinct_sorted(cats));
}

std::string SitePaths::persona(const std::string& pid, std::string_view ext) const {
  return path_of("personas/", pid_, pid, ext);
}

std::string SitePaths::app(const std::string& app) const {
  return path_of("apps/", app_, app, ".html");
}

std::string SitePaths::category(const std::string& category) const {
  return path_of("categories/", category_, category, ".html");
}

std::string contribute_url(const Config& config, std::string_view pid, std::string_view field,
                           std::string_view kind) {
  std::string_view tmpl = config.contribute_url;
  std::string fallback;
  if (tmpl.empty()) {
    if (config.repository.empty()) return "";
    std::string_view repo = config.repository;
    while (!repo.empty() && repo.back() == '/') repo.remove_suffix(1);
    fallback = std::string(repo) +
               "/issues/new?template=contribution.yml&pid={pid}&field={field}&kind={kind}";
    tmpl = fallback;
  }
  std::string url = fill_url_template(tmpl, {{"pid", pid}, {"field", field}, {"kind", kind}});
  if (!is_safe_url(url) || url.rfind("mailto:", 0) == 0) return "";
  return url;
}

std::string root_prefix(std::string_view page) {
  std::string out;
  for (char c : page)
    if (c == '/') out += "../";
  return out;
}

std::string humanize(std::string_view slug) {
  std::string out;
  for (char c : slug) out += c == '-' ? ' ' : c;
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string sitemap(std::string_view base_url, const std::vector<std::string>& pages) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& path : pages)
    out += "  <url><loc>" + html_escape(std::string(base_url) + path) + "</loc></url>\n";
  return out + "</urlset>\n";
}

}  // namespace persona::render
