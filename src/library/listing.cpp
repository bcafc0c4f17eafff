#include "library/listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/error.h"
#include "core/parallel.h"
#include "core/text.h"
#include "library/library.h"
#include "library/records.h"

namespace persona {
namespace fs = std::filesystem;

namespace {

/// What path::extension() says of a file name: from its last '.', unless that is its first
/// character.
std::string_view extension_of(std::string_view name) {
  std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? std::string_view() : name.substr(dot);
}

/// The entries of one directory that a listing keeps: files named *.yaml or *.yml and, when
/// `depth` allows entering them, subdirectories. Sorted in the order of the paths under them:
/// a directory's name sorts as if it ended in '/', so what the listing adds comes out sorted.
struct DirEntries {
  struct Entry {
    std::uint32_t at, size;  ///< of the name in `names` (with a '/' after a directory's)
    std::uint32_t stamp;     ///< in `stamps`, for a file when stamping
    unsigned char type;
  };
  std::string names;  ///< every name in one buffer, not a string each
  std::vector<Entry> entries;
  std::vector<Stamp> stamps;
  std::string_view key(const Entry& e) const {
    return std::string_view(names).substr(e.at, e.size);
  }
  std::string_view name(const Entry& e) const {
    return key(e).substr(0, e.size - (e.type == DT_DIR ? 1 : 0));
  }
};

DirEntries read_dir(const std::string& dir, int depth, const ListOptions& o) {
  DirEntries out;
  out.names.reserve(1024);
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) {
    if (errno == EACCES || errno == EPERM) return out;
    throw io_error("cannot list " + quote(dir, 200) + ": " + std::strerror(errno));
  }
  for (;;) {
    errno = 0;  // readdir() tells its end from an error only by errno
    struct dirent* e = ::readdir(d.get());
    if (!e) break;
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(::dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(st.st_mode)   ? DT_DIR
             : S_ISLNK(st.st_mode) ? DT_LNK
             : S_ISREG(st.st_mode) ? DT_REG
                                   : DT_UNKNOWN;
    }
    if (type != DT_DIR) {
      std::string_view ext = extension_of(name);
      if (ext != ".yaml" && ext != ".yml") continue;
    } else if (depth <= 0) {
      continue;
    }
    DirEntries::Entry entry{static_cast<std::uint32_t>(out.names.size()),
                            static_cast<std::uint32_t>(name.size() + (type == DT_DIR ? 1 : 0)),
                            static_cast<std::uint32_t>(out.stamps.size()), type};
    out.names += name;
    if (type == DT_DIR) out.names += '/';
    if (o.stamp && type != DT_DIR)
      out.stamps.push_back(stamp_at(::dirfd(d.get()), e->d_name, o.now));
    out.entries.push_back(entry);
  }
  if (errno != 0) throw io_error("cannot list " + quote(dir, 200) + ": " + std::strerror(errno));
  std::sort(out.entries.begin(), out.entries.end(),
            [&](const DirEntries::Entry& a, const DirEntries::Entry& b) {
              return out.key(a) < out.key(b);
            });
  return out;
}

void list_under(const fs::path& root, const std::string& dir, const std::string& rel, int depth,
                const ListOptions& o, Listing& out);

/// Adds one entry of `dir` (`rel` from the root) to `out`: a file, or what is under a directory.
void add_entry(const fs::path& root, const std::string& dir, const std::string& rel, int depth,
               const ListOptions& o, const DirEntries& in, const DirEntries::Entry& e,
               Listing& out) {
  std::string_view name = in.name(e);
  auto join = [](const std::string& a, std::string_view b) {
    std::string p;
    p.reserve(a.size() + 1 + b.size());
    p += a;
    p += '/';
    p += b;
    return p;
  };
  if (e.type == DT_DIR) {
    list_under(root, join(dir, name), join(rel, name), depth - 1, o, out);
    return;
  }
  if (e.type == DT_REG) {
    out.paths.push_back(join(rel, name));
  } else if (e.type == DT_LNK) {
    // A symlinked file: where it leads, relative to the root (fs::relative resolves it).
    std::error_code ec;
    std::string path = join(dir, name);
    if (!fs::is_regular_file(path, ec)) return;
    fs::path r = fs::relative(path, root, ec);
    if (ec) return;
    out.paths.push_back(r.generic_string());
  } else {
    return;
  }
  if (o.stamp) out.stamps.push_back(in.stamps[e.stamp]);
}

/// Adds the files under `dir` (`rel` from the library root, '/'-separated) to `out`,
/// entering subdirectories `depth` levels down at most; as std::filesystem's recursive iterator
/// with skip_permission_denied would list them (directory symlinks are not followed), with one
/// readdir per directory instead of several path objects per entry (a quarter of a warm
/// validate's instructions went into listing with the iterator). Sorted, but for symlinked files
/// (listed where they lead).
void list_under(const fs::path& root, const std::string& dir, const std::string& rel, int depth,
                const ListOptions& o, Listing& out) {
  DirEntries in = read_dir(dir, depth, o);
  for (const auto& e : in.entries) add_entry(root, dir, rel, depth, o, in, e, out);
}

/// Every file list_under() finds under <root>/<top>, sorted; the folders right under `top` are
/// listed on `jobs` threads (a library keeps its personas a folder per app, its records a folder
/// per persona: hundreds or thousands of them).
Listing list_tree(const fs::path& root, const std::string& top, int depth, const ListOptions& o) {
  Listing out;
  std::error_code ec;
  fs::path dir_path = root / top;
  if (!fs::is_directory(dir_path, ec)) return out;
  const std::string dir = dir_path.string();
  DirEntries in = read_dir(dir, depth, o);
  std::vector<Listing> parts(in.entries.size());
  parallel_for(in.entries.size(), o.jobs, [&](std::size_t k) {
    add_entry(root, dir, top, depth, o, in, in.entries[k], parts[k]);
  });
  for (auto& part : parts) {
    for (auto& p : part.paths) out.paths.push_back(std::move(p));
    out.stamps.insert(out.stamps.end(), part.stamps.begin(), part.stamps.end());
  }
  if (!std::is_sorted(out.paths.begin(), out.paths.end())) {
    // Symlinked files, listed where they lead.
    std::vector<std::size_t> order(out.paths.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return out.paths[a] < out.paths[b]; });
    Listing sorted;
    for (std::size_t i : order) {
      sorted.paths.push_back(std::move(out.paths[i]));
      if (o.stamp) sorted.stamps.push_back(out.stamps[i]);
    }
    out = std::move(sorted);
  }
  return out;
}

/// The record files under a contributions/ that is a symlink, with std::filesystem (a rare case
/// kept as it was): every path resolved to where it leads.
std::vector<std::string> list_linked_records(const fs::path& root, const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw io_error("cannot list " + quote(dir.string(), 200) + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw io_error("cannot list " + quote(dir.string(), 200) + ": " + ec.message());
    if (it.depth() > 2) it.disable_recursion_pending();
    auto ext = it->path().extension().string();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec))
      out.push_back(fs::relative(it->path(), root, ec).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Listing list_personas(const fs::path& root, const ListOptions& o) {
  return list_tree(root, kPersonasDir, 9, o);
}

Listing list_records(const fs::path& root, const ListOptions& o) {
  std::error_code ec;
  fs::path dir = root / kRecordsDir;
  if (!fs::is_symlink(dir, ec)) return list_tree(root, kRecordsDir, 3, o);
  if (!fs::is_directory(dir, ec)) return {};
  Listing out;
  out.paths = list_linked_records(root, dir);
  if (o.stamp)
    for (const auto& p : out.paths) out.stamps.push_back(stamp_of(root / p, o.now));
  return out;
}

}  // namespace persona
