#include "render/export.h"

#include "core/posix.h"
#include "core/program_id.h"

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
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/text.h"
#include "library/library.h"
#include "render/escape.h"
#include "render/formats.h"

namespace persona::render {
namespace fs = std::filesystem;

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

constexpr std::string_view kTempInfix = ".persona-tmp-";
constexpr int kManifestFormat = 3;

std::string shown(const fs::path& p) { return quote(p.string(), 200); }

Error errno_error(const std::string& what, const fs::path& p, int err) {
  return io_error("cannot " + what + " " + shown(p) + ": " + std::strerror(err));
}

FileStat stat_of(const struct stat& st) {
  FileStat f;
  f.size = static_cast<std::uint64_t>(st.st_size);
  f.mtime_ns = to_ns(st.st_mtim);
  f.ino = static_cast<std::uint64_t>(st.st_ino);
  return f;
}


/// Removes a directory tree when the export does not reach the rename.
class TempDir {
 public:
  explicit TempDir(fs::path p) : path_(std::move(p)) {}
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

std::string random_suffix() {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), static_cast<unsigned>(::getpid())};
    return std::mt19937_64(seq);
  }();
  std::string s(6, 'x');
  for (auto& c : s) c = kChars[rng() % (sizeof kChars - 1)];
  return s;
}

/// A 64-bit hash that tells a state file from another (not one made to collide), at about the
/// speed of memory: XXH3 (Debian's libxxhash).
std::string hash_text(std::string_view data) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(XXH3_64bits(data.data(), data.size())));
  return buf;
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[20];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

/// One file as an export recorded it. The strings are views: into the manifest's text for the
/// previous export's files, into the writer's own records for the files it makes.
struct Entry {
  std::string_view path;
  std::string_view blob;  ///< git blob id of its bytes
  FileStat stat;
  std::string_view key;  ///< input key, "" for none
};

/// What the previous export left: whether there is one, its files, and its state. Its entries
/// point into `text` and `owned`, so it stays where read_previous() fills it.
struct Previous {
  Previous() = default;
  Previous(const Previous&) = delete;
  Previous& operator=(const Previous&) = delete;

  bool found = false;            ///< a manifest is there (of any format, even damaged)
  std::uint64_t written_ns = 0;  ///< the manifest's mtime: a file as new as it may have changed since
  std::vector<Entry> files;      ///< sorted by path, each path once
  std::string state;
  std::string text;               ///< the manifest
  std::deque<std::string> owned;  ///< strings the general parser unescaped
};

bool read_whole(const fs::path& p, std::string& out, std::optional<FileStat>* st = nullptr) {
  Fd fd(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat s {};
  if (fd.get() < 0 || ::fstat(fd.get(), &s) != 0 || !S_ISREG(s.st_mode)) return false;
  if (st) *st = stat_of(s);
  out.resize(static_cast<std::size_t>(s.st_size));
  std::size_t at = 0;
  while (at < out.size()) {
    ssize_t got = ::read(fd.get(), out.data() + at, out.size() - at);
    if (got <= 0) return false;
    at += static_cast<std::size_t>(got);
  }
  return true;
}

/// What a manifest of the current format says.
struct Manifest {
  std::string_view renderer;
  std::uint64_t state_size = 0;  ///< 0: no state
  std::string_view state_hash;
  std::vector<Entry> files;  ///< sorted by path, each path once
};

/// Reads a manifest in exactly the shape finish() writes it, byte for byte (one line per file,
/// in path order), without building a JSON tree and without copying a string: the entries
/// point into `s`. False for anything else, which the general parser then reads.
bool parse_manifest_fast(std::string_view s, Manifest& m) {
  const char* p = s.data();
  const char* const end = s.data() + s.size();
  auto is = [&](std::string_view l) {
    if (static_cast<std::size_t>(end - p) < l.size() || std::memcmp(p, l.data(), l.size()) != 0)
      return false;
    p += l.size();
    return true;
  };
  // A string's text, after its opening quote, up to and past its closing one.
  auto str = [&](std::string_view& v) {
    auto close = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
    if (!close) return false;
    v = std::string_view(p, static_cast<std::size_t>(close - p));
    p = close + 1;
    // Escapes and control characters are left to the general parser.
    return json_plain(v);
  };
  auto num = [&](std::uint64_t& v) {
    const char* start = p;
    v = 0;
    while (p < end && *p >= '0' && *p <= '9' && p - start < 19)
      v = v * 10 + static_cast<std::uint64_t>(*p++ - '0');
    return p > start && (p == end || *p < '0' || *p > '9');
  };
  std::string_view v;
  std::uint64_t format = 0;
  if (!is("{\n  \"format\": ") || !num(format) || format != kManifestFormat ||
      !is(",\n  \"generator\": \"") || !str(v) || !is(",\n  \"renderer\": \"") ||
      !str(m.renderer) || !is(",\n"))
    return false;
  if (is("  \"state\": {\"file\": \"")) {
    if (!str(v) || v != kStateFile || !is(", \"size\": ") || !num(m.state_size) ||
        !is(", \"hash\": \"") || !str(m.state_hash) || !is("},\n"))
      return false;
  }
  if (!is("  \"files\": {")) return false;
  // A line is about 150 bytes.
  m.files.reserve(s.size() / 128);
  if (!is("}")) {
    do {
      Entry e;
      if (!is("\n    \"") || !str(e.path) ||
          (!m.files.empty() && !(m.files.back().path < e.path)) || !is(": [\"") || !str(e.blob) ||
          !is(", ") || !num(e.stat.size) || !is(", ") || !num(e.stat.mtime_ns) || !is(", ") ||
          !num(e.stat.ino) || (is(", \"") && (!str(e.key) || e.key.empty())) || !is("]"))
        return false;
      m.files.push_back(e);
    } while (is(","));
    if (!is("\n  }")) return false;
  }
  return is("\n}\n") && p == end;
}

/// Reads a manifest of the current format with a JSON parser, keeping the strings it unescapes
/// in `owned`; false when it is not one.
bool parse_manifest_json(const std::string& text, Manifest& m, std::deque<std::string>& owned) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto keep = [&](std::string s) -> std::string_view { return owned.emplace_back(std::move(s)); };
  try {
    auto format = j.find("format");
    if (format == j.end() || *format != kManifestFormat) return false;
    if (j.contains("renderer") && j["renderer"].is_string())
      m.renderer = keep(j["renderer"].get<std::string>());
    auto files = j.find("files");
    if (files == j.end() || !files->is_object()) return false;
    // An object's members come in path order.
    for (auto& [path, v] : files->items()) {
      // [blob, size, mtime, inode] and the input key, if any.
      if (!v.is_array() || v.size() < 4 || v.size() > 5 || !v[0].is_string() ||
          !v[1].is_number_unsigned() || !v[2].is_number_unsigned() || !v[3].is_number_unsigned() ||
          (v.size() == 5 && !v[4].is_string()))
        continue;
      Entry e;
      e.path = keep(path);
      e.blob = keep(std::move(v[0].get_ref<std::string&>()));
      e.stat = {v[1].get<std::uint64_t>(), v[2].get<std::uint64_t>(), v[3].get<std::uint64_t>()};
      if (v.size() == 5) e.key = keep(std::move(v[4].get_ref<std::string&>()));
      m.files.push_back(e);
    }
    auto state = j.find("state");
    if (state != j.end() && state->is_object() && (*state)["size"].is_number_unsigned() &&
        (*state)["hash"].is_string()) {
      m.state_size = (*state)["size"].get<std::uint64_t>();
      m.state_hash = keep((*state)["hash"].get<std::string>());
    }
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return std::adjacent_find(m.files.begin(), m.files.end(), [](const Entry& a, const Entry& b) {
           return !(a.path < b.path);
         }) == m.files.end();
}

/// Fills `prev` with the previous export in `out`. A damaged, foreign or older manifest still
/// marks an export; it just lists nothing, so everything is made again. Keys and the state are
/// used only when the same program made them, and the state only when it is the very one the
/// manifest describes.
void read_previous(const fs::path& out, Previous& prev) {
  std::optional<FileStat> st;
  std::error_code ec;
  if (!read_whole(out / kManifestFile, prev.text, &st)) {
    prev.found = fs::is_regular_file(fs::symlink_status(out / kManifestFile, ec));
    return;
  }
  prev.found = true;
  prev.written_ns = st->mtime_ns;
  Manifest m;
  if (!parse_manifest_fast(prev.text, m)) {
    m = Manifest();
    if (!parse_manifest_json(prev.text, m, prev.owned)) return;
  }
  bool same_renderer = !renderer_id().empty() && m.renderer == renderer_id();
  if (!same_renderer)
    for (auto& e : m.files) e.key = {};
  prev.files = std::move(m.files);
  std::string data;
  if (same_renderer && m.state_size > 0 && read_whole(out / kStateFile, data) && data.size() == m.state_size &&
      hash_text(data) == m.state_hash)
    prev.state = std::move(data);
}

/// Finds a previous export's file by its path: an open-addressing table of positions in the
/// list, built once, read from every thread without a lock.
class PathIndex {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  explicit PathIndex(const std::vector<Entry>& entries) : entries_(entries) {
    std::size_t size = 16;
    while (size < entries.size() * 2) size *= 2;
    slots_.assign(size, 0);
    mask_ = size - 1;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      std::size_t s = slot(entries[i].path);
      while (slots_[s] != 0) s = (s + 1) & mask_;
      slots_[s] = static_cast<std::uint32_t>(i + 1);
    }
  }

  /// The position of `path` in the list, or kNone.
  std::size_t find(std::string_view path) const {
    if (entries_.empty()) return kNone;
    for (std::size_t s = slot(path); slots_[s] != 0; s = (s + 1) & mask_)
      if (entries_[slots_[s] - 1].path == path) return slots_[s] - 1;
    return kNone;
  }

 private:
  std::size_t slot(std::string_view path) const {
    std::size_t h = std::hash<std::string_view>{}(path);
    return h & mask_;
  }

  const std::vector<Entry>& entries_;
  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
};

/// Renames a new directory into place where nothing is.
void create_in_place(const fs::path& tmp, const fs::path& out) {
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE) == 0) return;
  if (errno != EINVAL && errno != ENOSYS) throw errno_error("create", out, errno);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out, ec)))
    throw io_error(shown(out) + " appeared while exporting; not replacing it");
  if (::rename(tmp.c_str(), out.c_str()) != 0) throw errno_error("create", out, errno);
}

}  // namespace

Disk::Written Disk::write(const fs::path& path, bool beside, const std::function<void(const Piece&)>& fill) {
  Written w;
  Fd fd;
  if (!beside) {
    w.path = path;
    fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  } else {
    std::string prefix = path.parent_path().string();
    prefix += "/.";
    prefix += path.filename().string();
    prefix += kTempInfix;
    for (int tries = 0; tries < 100 && fd.get() < 0; ++tries) {
      w.path = prefix + random_suffix();
      fd.reset(::open(w.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
      if (fd.get() < 0 && errno != EEXIST) break;
    }
  }
  if (fd.get() < 0) throw errno_error("write", path, errno ? errno : EIO);
  // Small pieces are gathered: the search index comes one entry at a time.
  std::string buf;
  int err = 0;
  auto flush = [&](std::string_view data) {
    while (!err && !data.empty()) {
      ssize_t put = ::write(fd.get(), data.data(), data.size());
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) {
        err = put < 0 ? errno : EIO;
        break;
      }
      data.remove_prefix(static_cast<std::size_t>(put));
    }
  };
  constexpr std::size_t kBuffer = 1 << 16;
  fill([&](std::string_view piece) {
    if (buf.size() + piece.size() > kBuffer) {
      flush(buf);
      buf.clear();
    }
    if (piece.size() >= kBuffer)
      flush(piece);
    else
      buf += piece;
  });
  flush(buf);
  struct stat st {};
  if (!err && ::fstat(fd.get(), &st) != 0) err = errno;
  if (int e = fd.close(); e && !err) err = e;
  if (err) {
    ::unlink(w.path.c_str());
    throw errno_error("write", path, err);
  }
  w.stat = stat_of(st);
  return w;
}

void Disk::rename(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw errno_error("replace", to, errno);
}

void Disk::remove(const fs::path& path) {
  if (::remove(path.c_str()) != 0 && errno != ENOENT) throw errno_error("remove", path, errno);
}

bool Disk::same(const fs::path& path, std::string_view data) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) != data.size())
    return false;
  // Compared a block at a time: a large page is never read whole beside its new bytes.
  char buf[1 << 16];
  std::size_t at = 0;
  for (;;) {
    ssize_t got = ::read(fd.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return false;
    if (got == 0) break;
    auto n = static_cast<std::size_t>(got);
    if (at + n > data.size() || std::memcmp(buf, data.data() + at, n) != 0) return false;
    at += n;
  }
  return at == data.size();
}

std::optional<FileStat> Disk::stat(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return stat_of(st);
}

std::optional<FileStat> Disk::stat_at(int dir, const char* name) {
  struct stat st {};
  if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return stat_of(st);
}

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

  void file_pieces(const std::string& path, std::optional<std::uint64_t> size, const std::string& key,
                   const std::function<void(const Piece&)>& fill) override {
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
    if (size && w.stat.size != *size) throw std::logic_error("file " + path + " is not the size announced");
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
    // One file per line, its key on it, so the manifest stays readable and quick to parse.
    std::string text = "{\n  \"format\": ";
    text.reserve(512 + (old_.size() + made_.size()) * 160);
    append_number(text, kManifestFormat);
    text += ",\n  \"generator\": \"persona export\",\n  \"renderer\": ";
    append_json_string(text, renderer_id());
    text += ",\n";
    if (!state_.empty()) {
      put(dir_ / kStateFile, [&](const Piece& piece) { piece(state_); });
      text += "  \"state\": {\"file\": ";
      append_json_string(text, kStateFile);
      text += ", \"size\": ";
      append_number(text, state_.size());
      text += ", \"hash\": \"" + hash_text(state_) + "\"},\n";
    } else if (in_place_) {
      disk_.remove(dir_ / kStateFile);
    }
    for (auto& m : made_)
      if (m.blob_later.valid()) m.blob = m.blob_later.get();
    text += "  \"files\": {";
    bool first = true;
    each_file([&](const Entry& e) {
      text += first ? "\n    " : ",\n    ";
      first = false;
      append_json_string(text, e.path);
      text += ": [";
      append_json_string(text, e.blob);
      text += ", ";
      append_number(text, e.stat.size);
      text += ", ";
      append_number(text, e.stat.mtime_ns);
      text += ", ";
      append_number(text, e.stat.ino);
      if (!e.key.empty()) {
        text += ", ";
        append_json_string(text, e.key);
      }
      text += ']';
    });
    text += first ? "}" : "\n  }";
    text += "\n}\n";
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
    for (std::size_t at = path.find('/'); at != std::string::npos && at <= slash; at = path.find('/', at + 1)) {
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

  /// True when the files hold the same bytes.
  static bool same_files(const fs::path& a, const fs::path& b) {
    Fd fa(::open(a.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)), fb(::open(b.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fa.get() < 0 || fb.get() < 0) return false;
    std::string ba(1 << 16, '\0'), bb(1 << 16, '\0');
    for (;;) {
      ssize_t na = ::read(fa.get(), ba.data(), ba.size());
      if (na < 0) return false;
      std::size_t got = 0;
      while (got < static_cast<std::size_t>(na)) {
        ssize_t nb = ::read(fb.get(), bb.data() + got, static_cast<std::size_t>(na) - got);
        if (nb <= 0) return false;
        got += static_cast<std::size_t>(nb);
      }
      if (std::memcmp(ba.data(), bb.data(), got) != 0) return false;
      if (na == 0) {
        char c;
        return ::read(fb.get(), &c, 1) == 0;
      }
    }
  }

  static std::string hash_file(const fs::path& p, std::uint64_t size) {
    Fd fd(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) throw errno_error("read", p, errno ? errno : EIO);
    return hash_fd(fd.get(), p, size);
  }

  /// The blob id of the `size` bytes `fd` reads (`p` names it in errors).
  static std::string hash_fd(int fd, const fs::path& p, std::uint64_t size) {
    Sha1 h = blob_hasher(size);
    std::string buf(1 << 16, '\0');
    std::uint64_t total = 0;
    for (;;) {
      ssize_t got = ::read(fd, buf.data(), buf.size());
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw errno_error("read", p, errno);
      if (got == 0) break;
      h.update(std::string_view(buf.data(), static_cast<std::size_t>(got)));
      total += static_cast<std::uint64_t>(got);
    }
    if (total != size) throw errno_error("read", p, EIO);
    return h.hex();
  }

  /// The blob id of the file just written at `p` (`st` as written), made on another thread from
  /// the file itself: the descriptor is opened now, so a rename does not matter.
  static std::future<std::string> hash_aside(const fs::path& p, const FileStat& st) {
    auto fd = std::make_shared<Fd>(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd->get() < 0) throw errno_error("read", p, errno ? errno : EIO);
    struct stat now {};
    if (::fstat(fd->get(), &now) != 0) throw errno_error("read", p, errno);
    if (!(stat_of(now) == st)) throw io_error(shown(p) + " changed while it was being written");
    // Without a thread to spare, it is made when it is asked for.
    return std::async(std::launch::async | std::launch::deferred,
                      [fd, p, size = st.size] { return hash_fd(fd->get(), p, size); });
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
  mutable std::string old_state_;  ///< until previous_state() hands it over
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

WriteReport write_export(const fs::path& out_arg, Disk& disk, const std::function<void(Sink&)>& produce) {
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
    if (!fs::is_directory(out, ec)) throw io_error(shown(out_arg) + " exists and is not a directory");
    // One export at a time: what another one is writing would look like leftovers to this one.
    Fd lock(::open(out.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (lock.get() < 0) throw errno_error("open", out, errno);
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) throw io_error("cannot export to " + shown(out_arg) + ": another export is writing to it");
      throw errno_error("lock", out, errno);
    }
    read_previous(out, previous);
    if (!previous.found && !is_empty_dir(out))
      throw io_error("refusing to replace " + shown(out_arg) + ": it is not empty and holds no previous export",
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
  std::string pattern = (out.parent_path() / (out.filename().string() + ".persona-tmp-XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw errno_error("create a temporary directory beside", out, errno);
  TempDir tmp{fs::path(pattern)};
  // mkdtemp makes it private; the export is as readable as any new directory.
  mode_t mask = ::umask(0);
  ::umask(mask);
  if (::chmod(tmp.path().c_str(), 0777 & ~mask) != 0) throw errno_error("create", tmp.path(), errno);
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
