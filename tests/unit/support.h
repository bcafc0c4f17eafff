#pragma once
/// What several unit tests need: a temporary directory, reading a file whole, reading a tree,
/// writing a small file, and the listing tests' oracle.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <system_error>
#include <vector>

namespace persona::test {

/// A fresh directory under the system's temporary directory, removed with everything in it when
/// the test ends.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name = "persona-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    path = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

/// The bytes of a file; the test fails when it cannot be read.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot read " << p.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Every regular file under `dir`, by '/'-separated relative path (nothing when `dir` is absent).
inline std::map<std::string, std::string> read_tree(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      out[std::filesystem::relative(e.path(), dir).generic_string()] = slurp(e.path());
  return out;
}

/// Writes a small persona-like file at `p`, making its folders.
inline void touch(const std::filesystem::path& p) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << "pid: APP-1\n";
}

/// The *.yaml and *.yml files under root/`dir`, `max_depth` folders down at most, as the standard
/// library's recursive iterator finds them (how the library listed its files before it read
/// directories itself; the listing tests' oracle), relative to `root` and sorted. A symlinked
/// file is named where it leads; with `top_link_leads`, so is every file when `dir` itself is
/// a symlink.
inline std::vector<std::string> yaml_files_by_iterator(const std::filesystem::path& root,
                                                       const char* dir, int max_depth,
                                                       bool top_link_leads) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  fs::path top = root / dir;
  if (!fs::is_directory(top, ec)) return out;
  const bool top_is_link = top_link_leads && fs::is_symlink(top, ec);
  fs::recursive_directory_iterator it(top, fs::directory_options::skip_permission_denied, ec), end;
  for (; it != end; it.increment(ec)) {
    REQUIRE(!ec);
    if (it.depth() > max_depth) it.disable_recursion_pending();
    auto ext = it->path().extension().string();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) {
      fs::path rel = top_is_link || it->is_symlink(ec) ? fs::relative(it->path(), root, ec)
                                                       : it->path().lexically_relative(root);
      out.push_back(rel.generic_string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace persona::test
