#include "cli/paths.h"

#include <algorithm>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/text.h"
#include "library/library.h"

namespace persona::cli {
namespace fs = std::filesystem;

bool PathArgs::selects(const std::string& rel) const {
  if (none) return true;
  for (const auto& p : prefixes) {
    if (p.empty() || rel == p) return true;
    if (rel.size() > p.size() && rel.compare(0, p.size(), p) == 0 && rel[p.size()] == '/')
      return true;
  }
  return false;
}

namespace {

void add_outside(const fs::path& abs, const std::string& given, std::vector<fs::path>& out) {
  std::error_code ec;
  if (!fs::is_directory(abs, ec)) {
    out.emplace_back(given);
    return;
  }
  for (auto it = fs::recursive_directory_iterator(abs, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto ext = it->path().extension();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) out.push_back(it->path());
  }
}

}  // namespace

PathArgs resolve_path_args(Runtime& rt, const std::vector<std::string>& paths) {
  PathArgs a;
  a.none = paths.empty();
  if (!rt.global.repo.empty() || paths.empty()) {
    a.root = rt.root();
  } else {
    a.root = find_library_root(fs::current_path());
    if (!a.root) a.root = find_library_root(paths.front());
  }
  std::error_code ec;
  fs::path root = a.root ? fs::weakly_canonical(*a.root, ec) : fs::path();
  for (const auto& p : paths) {
    if (!fs::exists(p, ec))
      throw io_error("cannot read " + quote(p, 200) + ": No such file or directory");
    fs::path abs = fs::weakly_canonical(fs::absolute(p), ec);
    if (a.root) {
      fs::path rel = abs.lexically_relative(root);
      if (!rel.empty() && *rel.begin() != "..") {
        std::string r = rel.generic_string();
        a.prefixes.push_back(r == "." ? "" : r);
        continue;
      }
    }
    add_outside(abs, p, a.outside);
  }
  std::sort(a.outside.begin(), a.outside.end());
  return a;
}

std::vector<FileArg> persona_file_args(const PathArgs& args) {
  std::vector<FileArg> out;
  if (args.wants_library()) {
    std::vector<std::string> listed = list_persona_files(*args.root);
    for (const auto& rel : listed)
      if (args.selects(rel)) out.push_back({rel, *args.root / rel, rel});
    std::error_code ec;
    for (const auto& p : args.prefixes) {
      if (!fs::is_regular_file(*args.root / p, ec)) continue;
      if (std::binary_search(listed.begin(), listed.end(), p)) continue;
      out.push_back({p, *args.root / p, p});  // named explicitly, outside the listing
    }
  }
  for (const auto& f : args.outside) {
    std::error_code ec;
    out.push_back({f.generic_string(), fs::weakly_canonical(fs::absolute(f), ec), ""});
  }
  return out;
}

}  // namespace persona::cli
