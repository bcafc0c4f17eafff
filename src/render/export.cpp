#include "render/export.h"

#include <dirent.h>
#include <fcntl.h>  // AT_FDCWD
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>  // flock
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_set>

#include "core/error.h"
#include "core/hash.h"
#include "core/posix.h"
#include "core/program_id.h"
#include "core/text.h"
#include "library/library.h"
#include "render/export_disk.h"
#include "render/export_manifest.h"
#include "render/formats.h"

namespace persona::render {
namespace fs = std::filesystem;
using namespace exporting;

void export_files(const RenderContext& ctx, const std::vector<std::string>& names,
                  const TemplateSet* templates, Sink& out) {
  for (const auto& f : formats())
    if (std::find(names.begin(), names.end(), f.name) != names.end())
      f.add_export(ctx, templates, out);
}

FileSet build_export(const RenderContext& ctx, const std::vector<std::string>& formats,
                     const TemplateSet* templates) {
  FileSetSink sink;
  export_files(ctx, formats, templates, sink);
  return std::move(sink.files);
}

const std::string& renderer_id() { return program_identity(); }

namespace {

/// Writes each file as it comes: into a new directory (`in_place` false), or over the previous
/// export (`in_place`), through a temporary file renamed over the old one.
class Writer : public Sink {
 public:
  /// In place, `root` is `dir` open; the writer does not close it.
  Writer(const fs::path& dir, int root, bool in_place, Previous& previous, Disk& disk)
      : dir_(dir),
        in_place_(in_place),
        disk_(disk),
        old_(previous.files),
        index_(previous.files),
        claimed_(new std::atomic<std::uint8_t>[previous.files.size()]()),
        old_state_(std::move(previous.state)),
        written_ns_(previous.written_ns) {
    if (in_place_) open_old_dirs(root);
  }

  // Renderers may send files from several threads. A file of the previous export is claimed
  // without a lock, by its place in that export's list, which does not change while they run;
  // only the files made take one.
  bool reuse(const std::string& path, const std::string& key) override {
    if (!in_place_ || key.empty()) return false;
    std::size_t i = index_.find(path);
    if (i == PathIndex::kNone) return false;
    const Entry& o = old_[i];
    if (o.key != key || !is_safe_output_path(path)) return false;
    // A directory that was not one when the export began holds nothing of the previous export.
    const Dir& dir = dirs_[old_dir_[i]];
    if (!dir.ready) return false;
    auto now = dir.fd.get() >= 0 ? disk_.stat_at(dir.fd.get(), path.c_str() + (path.rfind('/') + 1))
                                 : disk_.stat_at(root_, path.c_str());
    if (!now || !intact(o, *now, path)) return false;
    check_name(path);
    claim_old(i, path, kKept);
    ++unchanged_;
    return true;
  }

  void file(const std::string& path, std::string data, const std::string& key) override {
    std::size_t i = claim(path);
    std::string blob = blob_id(data);
    fs::path target = dir_ / path;
    make_parent(path);
    std::optional<FileStat> now;
    bool same = false;
    if (in_place_ && (now = disk_.stat(target))) {
      const Entry* old = i == PathIndex::kNone ? nullptr : &old_[i];
      same = (old && old->blob == blob && intact(*old, *now, path)) ||
             (now->size == data.size() && disk_.same(target, data));
    }
    if (!same) now = put(target, [&](const Piece& piece) { piece(data); });
    ++(same ? unchanged_ : written_);
    made(path, std::move(blob), *now, key);
  }

  void file_pieces(const std::string& path, std::optional<std::uint64_t> size,
                   const std::string& key, const std::function<void(const Piece&)>& fill) override {
    std::size_t i = claim(path);
    fs::path target = dir_ / path;
    make_parent(path);
    std::optional<Sha1> hasher;
    if (size && *size < kHashAside) hasher = blob_hasher(*size);
    Disk::Written w = disk_.write(target, in_place_, [&](const Piece& put) {
      fill([&](std::string_view piece) {
        if (hasher) hasher->update(piece);
        put(piece);
      });
    });
    if (in_place_) track(w.path);
    if (size && w.stat.size != *size)
      throw std::logic_error("file " + path + " is not the size announced");
    std::string blob;
    std::future<std::string> blob_later;
    if (hasher)
      blob = hasher->hex();
    else if (w.stat.size < kHashAside)
      blob = hash_file(w.path, w.stat.size);
    else
      blob_later = hash_aside(w.path, w.stat);
    bool same = false;
    FileStat st = w.stat;
    if (in_place_) {
      const Entry* old = i == PathIndex::kNone ? nullptr : &old_[i];
      auto now = disk_.stat(target);
      same = now && ((old && !blob.empty() && old->blob == blob && intact(*old, *now, path)) ||
                     (now->size == w.stat.size && same_files(target, w.path)));
      if (same) {
        disk_.remove(w.path);
        st = *now;
      } else {
        disk_.rename(w.path, target);
      }
      untrack(w.path);
    }
    ++(same ? unchanged_ : written_);
    made(path, std::move(blob), st, key, std::move(blob_later));
  }

  // Handed over rather than copied: it is megabytes (a copy costs milliseconds in page faults
  // alone), and the renderer asks for it once.
  std::string previous_state() const override { return std::move(old_state_); }
  std::string previous_file(const std::string& path) const override {
    std::size_t i = index_.find(path);
    if (!in_place_ || i == PathIndex::kNone || !is_safe_output_path(path)) return {};
    fs::path target = dir_ / path;
    auto now = disk_.stat(target);
    if (!now || !intact(old_[i], *now, path)) return {};
    return target.string();
  }
  void set_state(std::string state) override { state_ = std::move(state); }

  /// Once every file is in place: removes what this export did not make (the previous export's
  /// other files, what an interrupted one left), then writes the state and the manifest.
  void finish() {
    report.written = written_;
    report.unchanged = unchanged_;
    for (std::size_t i = 0; i < old_.size(); ++i)
      if (claimed_[i] == kFree) ++report.removed;
    std::sort(made_.begin(), made_.end(),
              [](const Made& a, const Made& b) { return a.path < b.path; });
    if (in_place_) {
      int fd = ::openat(root_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) throw errno_error("read", dir_, errno);
      std::string rel;
      sweep(fd, dir_, rel);
    }
    ManifestWriter manifest(renderer_id(), old_.size() + made_.size());
    if (!state_.empty()) {
      put(dir_ / kStateFile, [&](const Piece& piece) { piece(state_); });
      manifest.state(state_);
    } else if (in_place_) {
      disk_.remove(dir_ / kStateFile);
    }
    for (auto& m : made_)
      if (m.blob_later.valid()) m.blob = m.blob_later.get();
    each_file([&](const Entry& e) { manifest.file(e); });
    std::string text = manifest.finish();
    put(dir_ / kManifestFile, [&](const Piece& piece) { piece(text); });
  }

  /// After a failure: removes this export's temporary files.
  void abort() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& p : temps_) ::unlink(p.c_str());
    temps_.clear();
  }

  WriteReport report;

 private:
  /// What became of a file of the previous export.
  enum : std::uint8_t { kFree, kKept, kMade };

  /// A file this export made.
  struct Made {
    std::string path, blob, key;
    FileStat stat;
    std::future<std::string> blob_later;  ///< the blob, when made aside
  };
  /// A file this large has its blob id made on another thread while the export goes on, rather
  /// than as it is written: the search index of 10,000 personas is 47 MB, 23 ms of SHA-1.
  static constexpr std::uint64_t kHashAside = 4 << 20;

  /// A directory of the previous export, and whether it still was one (not a link, not a file)
  /// when the export began. The first few are kept open, so that a kept file is looked up in
  /// its own directory.
  struct Dir {
    Dir(std::string r, bool ok, int f) : rel(std::move(r)), ready(ok), fd(f) {}
    std::string rel;
    bool ready;
    Fd fd;
  };
  static constexpr std::size_t kOpenDirs = 64;

  /// Checks, once, each directory the previous export's files are in, and notes each file's.
  void open_old_dirs(int root) {
    root_ = root;
    dirs_.emplace_back("", true, -1);
    std::map<std::string, std::uint32_t, std::less<>> known{{"", 0}};
    old_dir_.resize(old_.size());
    std::string_view last;
    std::uint32_t last_at = 0;
    for (std::size_t i = 0; i < old_.size(); ++i) {
      std::string_view path = old_[i].path;
      std::size_t slash = path.rfind('/');
      std::string_view dir =
          slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
      if (i == 0 || dir != last) {
        last = dir;
        last_at = open_dir(dir, known);
      }
      old_dir_[i] = last_at;
    }
  }

  std::uint32_t open_dir(std::string_view dir,
                         std::map<std::string, std::uint32_t, std::less<>>& known) {
    if (auto k = known.find(dir); k != known.end()) return k->second;
    // Only a plain path is looked at (and its parents first), so this goes at most 200 deep.
    bool ready = is_safe_output_path(dir);
    if (ready) {
      std::size_t slash = dir.rfind('/');
      if (slash != std::string_view::npos)
        ready = dirs_[open_dir(dir.substr(0, slash), known)].ready;
    }
    std::string rel(dir);
    int fd = -1;
    if (ready && dirs_.size() < kOpenDirs) {
      fd = ::openat(root_, rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      ready = fd >= 0;
    } else if (ready) {
      struct stat st {};
      ready = ::fstatat(root_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    auto at = static_cast<std::uint32_t>(dirs_.size());
    dirs_.emplace_back(rel, ready, fd);
    if (ready) ready_dirs_.insert(rel);
    known.emplace(std::move(rel), at);
    return at;
  }

  /// True when `now` is what the previous export recorded of the file. A file as new as the
  /// manifest may have changed within the same clock tick (git's racy-clean rule): its bytes
  /// are checked too.
  bool intact(const Entry& old, const FileStat& now, const std::string& path) const {
    if (!(old.stat == now)) return false;
    if (old.stat.mtime_ns < written_ns_) return true;
    try {
      return hash_file(dir_ / path, now.size) == old.blob;
    } catch (const Error&) {
      return false;
    }
  }

  /// Claims `path` for this export before it is made; returns its place in the previous export's
  /// list, or PathIndex::kNone.
  std::size_t claim(const std::string& path) {
    check(path);
    std::size_t i = index_.find(path);
    if (i != PathIndex::kNone) {
      claim_old(i, path, kMade);
      return i;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!new_paths_.insert(path).second) throw std::logic_error("export writes " + path + " twice");
    return i;
  }

  void claim_old(std::size_t i, const std::string& path, std::uint8_t how) {
    std::uint8_t free = kFree;
    if (!claimed_[i].compare_exchange_strong(free, how))
      throw std::logic_error("export writes " + path + " twice");
  }

  void check(const std::string& path) {
    if (!is_safe_output_path(path)) refuse(path);
    check_name(path);
  }
  void check_name(const std::string& path) {
    if (path == kManifestFile || path == kStateFile || path.find(kTempInfix) != std::string::npos)
      refuse(path);
  }
  [[noreturn]] static void refuse(const std::string& path) {
    throw io_error("refusing to write " + quote(path, 200) +
                   ": not a plain path inside the output directory");
  }

  void made(const std::string& path, std::string blob, const FileStat& stat, const std::string& key,
            std::future<std::string> blob_later = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    made_.push_back(Made{path, std::move(blob), key, stat, std::move(blob_later)});
  }

  /// True when this export made or kept `path`.
  bool ours(const std::string& path) const {
    std::size_t i = index_.find(path);
    if (i != PathIndex::kNone) return claimed_[i] != kFree;
    return new_paths_.count(path) != 0;
  }

  /// Calls `f` with every file of this export, in path order: the previous export's files kept,
  /// and the files made (sorted by finish()).
  template <class F>
  void each_file(F&& f) const {
    std::size_t m = 0;
    auto made_entry = [&](const Made& x) { return Entry{x.path, x.blob, x.stat, x.key}; };
    for (std::size_t i = 0; i < old_.size(); ++i) {
      if (claimed_[i] != kKept) continue;
      while (m < made_.size() && std::string_view(made_[m].path) < old_[i].path)
        f(made_entry(made_[m++]));
      f(old_[i]);
    }
    while (m < made_.size()) f(made_entry(made_[m++]));
  }

  /// Writes `target` whole: directly into a new directory, else through a temporary file renamed
  /// over it.
  FileStat put(const fs::path& target, const std::function<void(const Piece&)>& fill) {
    Disk::Written w = disk_.write(target, in_place_, fill);
    if (!in_place_) return w.stat;
    track(w.path);
    disk_.rename(w.path, target);
    untrack(w.path);
    return w.stat;
  }

  void track(const fs::path& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    temps_.insert(p.string());
  }
  void untrack(const fs::path& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    temps_.erase(p.string());
  }

  /// Makes the directories of `path` (relative) that are missing. In place, anything but a
  /// directory where one is needed (a symlink, a file) is removed first: no write goes through
  /// a link out of the export.
  void make_parent(const std::string& path) {
    std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return;
    if (ready_dirs_.count(std::string_view(path).substr(0, slash))) return;
    std::lock_guard<std::mutex> lock(dirs_mutex_);
    for (std::size_t at = path.find('/'); at != std::string::npos && at <= slash;
         at = path.find('/', at + 1)) {
      std::string dir = path.substr(0, at);
      if (made_dirs_.count(dir)) continue;
      fs::path p = dir_ / dir;
      struct stat st {};
      if (::lstat(p.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
          made_dirs_.insert(dir);
          continue;
        }
        disk_.remove(p);
      }
      if (::mkdir(p.c_str(), 0777) != 0 && errno != EEXIST) throw errno_error("create", p, errno);
      made_dirs_.insert(dir);
    }
  }

  /// Removes every entry under `dir` (open as `fd`, which it closes; `rel` inside the export, ""
  /// or ending in '/') that this export did not make; returns whether `dir` still holds
  /// anything. The names are looked up as they are read; what goes is removed once the
  /// directory is read.
  bool sweep(int fd, const fs::path& dir, std::string& rel) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(fd), &::closedir);
    if (!d) {
      int err = errno;
      ::close(fd);
      throw errno_error("read", dir, err);
    }
    int own = ::dirfd(d.get());
    std::size_t base = rel.size();
    std::vector<std::string> gone, subdirs;
    bool kept = false;
    for (;;) {
      errno = 0;
      struct dirent* e = ::readdir(d.get());
      if (!e) {
        if (errno != 0) throw errno_error("read", dir, errno);
        break;
      }
      const char* name = e->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      bool is_dir = e->d_type == DT_DIR;
      if (e->d_type == DT_UNKNOWN) {
        struct stat st {};
        is_dir = ::fstatat(own, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
      }
      if (is_dir) {
        subdirs.emplace_back(name);
        continue;
      }
      rel.resize(base);
      rel += name;
      if ((base == 0 && (rel == kManifestFile || rel == kStateFile)) || ours(rel))
        kept = true;
      else
        gone.push_back(rel.substr(base));
    }
    for (const auto& name : gone) disk_.remove(dir / name);
    for (const auto& name : subdirs) {
      int sub = ::openat(own, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0 && errno == ENOENT) continue;
      if (sub < 0) throw errno_error("read", dir / name, errno);
      rel.resize(base);
      rel += name;
      rel += '/';
      if (sweep(sub, dir / name, rel))
        kept = true;
      else
        disk_.remove(dir / name);
    }
    rel.resize(base);
    return kept;
  }

  fs::path dir_;
  bool in_place_;
  Disk& disk_;
  const std::vector<Entry>& old_;  ///< the previous export's files, in path order
  PathIndex index_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> claimed_;  ///< by place in old_: kFree, kKept, kMade
  int root_ = -1;                                         ///< in place: `dir_` open
  std::deque<Dir> dirs_;                                  ///< in place: the root ("") first
  std::vector<std::uint32_t> old_dir_;                    ///< by place in old_: where in dirs_
  mutable std::string old_state_;                         ///< until previous_state() hands it over
  std::string state_;
  std::uint64_t written_ns_ = 0;
  std::atomic<std::size_t> written_{0}, unchanged_{0};
  std::mutex mutex_;                           ///< guards what follows
  std::unordered_set<std::string> new_paths_;  ///< made, not in the previous export
  std::vector<Made> made_;
  std::set<std::string> temps_;
  std::set<std::string, std::less<>> ready_dirs_;  ///< checked before the renderers start
  std::set<std::string> made_dirs_;
  std::mutex dirs_mutex_;
};

bool is_empty_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && fs::directory_iterator(p, ec) == fs::directory_iterator();
}

}  // namespace

WriteReport write_export(const fs::path& out_arg, Disk& disk,
                         const std::function<void(Sink&)>& produce) {
  std::error_code ec;
  fs::path out = fs::absolute(out_arg, ec).lexically_normal();
  if (ec) throw io_error("cannot resolve " + shown(out_arg) + ": " + ec.message());
  if (!out.has_filename()) out = out.parent_path();
  // Update the directory a symlink points to, not the symlink.
  if (fs::is_symlink(fs::symlink_status(out, ec))) {
    out = fs::canonical(out, ec);
    if (ec) throw io_error("cannot resolve " + shown(out_arg) + ": " + ec.message());
  }
  bool exists = fs::exists(fs::symlink_status(out, ec));
  Previous previous;
  if (exists) {
    if (!fs::is_directory(out, ec))
      throw io_error(shown(out_arg) + " exists and is not a directory");
    // One export at a time: what another one is writing would look like leftovers to this one.
    Fd lock(::open(out.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (lock.get() < 0) throw errno_error("open", out, errno);
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK)
        throw io_error("cannot export to " + shown(out_arg) + ": another export is writing to it");
      throw errno_error("lock", out, errno);
    }
    read_previous(out, previous);
    if (!previous.found && !is_empty_dir(out))
      throw io_error("refusing to replace " + shown(out_arg) +
                         ": it is not empty and holds no previous export",
                     "export into a new or empty directory; an export is recognised by its " +
                         std::string(kManifestFile));
    Writer writer(out, lock.get(), true, previous, disk);
    try {
      produce(writer);
      writer.finish();
    } catch (...) {
      writer.abort();
      throw;
    }
    return writer.report;
  }

  fs::create_directories(out.parent_path(), ec);
  if (ec) throw io_error("cannot create " + shown(out.parent_path()) + ": " + ec.message());
  std::string pattern =
      (out.parent_path() / (out.filename().string() + ".persona-tmp-XXXXXX")).string();
  if (!::mkdtemp(pattern.data()))
    throw errno_error("create a temporary directory beside", out, errno);
  TempDir tmp{fs::path(pattern)};
  // mkdtemp makes it private; the export is as readable as any new directory.
  mode_t mask = ::umask(0);
  ::umask(mask);
  if (::chmod(tmp.path().c_str(), 0777 & ~mask) != 0)
    throw errno_error("create", tmp.path(), errno);
  Writer writer(tmp.path(), -1, false, previous, disk);
  produce(writer);
  writer.finish();
  create_in_place(tmp.path(), out);
  tmp.release();
  return writer.report;
}

WriteReport write_export(const FileSet& files, const fs::path& out, Disk& disk) {
  return write_export(out, disk, [&](Sink& sink) {
    for (const auto& [path, data] : files) sink.file(path, data);
  });
}

std::string report_line(const WriteReport& r, const std::string& out_shown) {
  std::string s = "wrote " + plural(static_cast<long long>(r.written), "file", "files") + ", " +
                  std::to_string(r.unchanged) + " unchanged, ";
  if (r.removed) s += std::to_string(r.removed) + " removed, ";
  return s + "to " + out_shown;
}

}  // namespace persona::render
