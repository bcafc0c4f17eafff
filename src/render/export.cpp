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

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text.h"
#include "library/library.h"
#include "render/html.h"
#include "render/json.h"
#include "render/markdown.h"
#include "render/sha1.h"

namespace persona::render {
namespace fs = std::filesystem;

const std::vector<std::string>& export_formats() {
  static const std::vector<std::string> kFormats = {"html", "json", "md"};
  return kFormats;
}

void export_files(const RenderContext& ctx, const std::vector<std::string>& formats,
                  const TemplateSet* templates, Sink& out) {
  for (const auto& f : export_formats()) {
    if (std::find(formats.begin(), formats.end(), f) == formats.end()) continue;
    if (f == "html") {
      if (!templates) throw std::logic_error("html export without templates");
      add_html_site(ctx, *templates, out);
    } else if (f == "json") {
      add_json_export(ctx, out);
    } else {
      add_markdown_export(ctx, out);
    }
  }
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
constexpr int kManifestFormat = 2;

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

std::string hash_text(std::string_view data) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016zx", std::hash<std::string_view>{}(data));
  return buf;
}

/// Appends `v` as a JSON string.
void append_json(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && c != '"' && c != '\\') {
      out += c;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    }
  }
  out += '"';
}

/// What the previous export recorded of one file.
struct Entry {
  std::string blob;  ///< git blob id of its bytes
  FileStat stat;
  std::string key;  ///< input key, "" for none
};

/// What the previous export left: whether there is one, its files, and its state.
struct Previous {
  bool found = false;      ///< a manifest is there (of any format, even damaged)
  std::uint64_t written_ns = 0;  ///< the manifest's mtime: a file as new as it may have changed since
  std::unordered_map<std::string, Entry> files;
  std::string state;
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
  std::string renderer;
  std::uint64_t state_size = 0;  ///< 0: no state
  std::string state_hash;
  std::unordered_map<std::string, Entry> files;
};

/// Reads a manifest in exactly the shape finish() writes it, without building a JSON tree (a
/// tree of 30,000 values is most of the time of reading it); false for anything else, which
/// the general parser then reads.
bool parse_manifest_fast(std::string_view s, Manifest& m) {
  std::size_t i = 0;
  auto ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
  };
  auto lit = [&](std::string_view l) {
    ws();
    if (s.substr(i, l.size()) != l) return false;
    i += l.size();
    return true;
  };
  auto str = [&](std::string_view& v) {
    ws();
    if (i >= s.size() || s[i] != '"') return false;
    std::size_t end = ++i;
    while (end < s.size() && s[end] != '"') {
      // Escapes and control characters are left to the general parser.
      if (s[end] == '\\' || static_cast<unsigned char>(s[end]) < 0x20) return false;
      ++end;
    }
    if (end == s.size()) return false;
    v = s.substr(i, end - i);
    i = end + 1;
    return true;
  };
  auto num = [&](std::uint64_t& v) {
    ws();
    std::size_t start = i;
    v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 19) v = v * 10 + static_cast<std::uint64_t>(s[i++] - '0');
    return i > start && (i == s.size() || s[i] < '0' || s[i] > '9');
  };
  // Calls `item` for each member of an object, after its name.
  auto members = [&](auto&& item) {
    if (!lit("{")) return false;
    if (lit("}")) return true;
    do {
      std::string_view name;
      if (!str(name) || !lit(":") || !item(name)) return false;
    } while (lit(","));
    return lit("}");
  };
  std::string_view v;
  std::uint64_t format = 0;
  if (!lit("{") || !lit("\"format\":") || !num(format) || format != kManifestFormat || !lit(",") ||
      !lit("\"generator\":") || !str(v) || !lit(",") || !lit("\"renderer\":") || !str(v) || !lit(","))
    return false;
  m.renderer = v;
  if (lit("\"state\":")) {
    std::string_view file, hash;
    if (!lit("{") || !lit("\"file\":") || !str(file) || file != kStateFile || !lit(",") || !lit("\"size\":") ||
        !num(m.state_size) || !lit(",") || !lit("\"hash\":") || !str(hash) || !lit("}") || !lit(","))
      return false;
    m.state_hash = hash;
  }
  m.files.reserve(16384);
  bool ok = lit("\"files\":") && members([&](std::string_view path) {
              std::string_view blob;
              Entry e;
              if (!lit("[") || !str(blob) || !lit(",") || !num(e.stat.size) || !lit(",") || !num(e.stat.mtime_ns) ||
                  !lit(",") || !num(e.stat.ino) || !lit("]"))
                return false;
              e.blob = blob;
              m.files.emplace(path, std::move(e));
              return true;
            });
  ok = ok && lit(",") && lit("\"keys\":") && members([&](std::string_view path) {
         std::string_view key;
         if (!str(key)) return false;
         auto e = m.files.find(std::string(path));
         if (e != m.files.end()) e->second.key = key;
         return true;
       });
  ok = ok && lit("}");
  ws();
  return ok && i == s.size();
}

/// Reads a manifest of the current format with a JSON parser; false when it is not one.
bool parse_manifest_json(const std::string& text, Manifest& m) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    auto format = j.find("format");
    if (format == j.end() || *format != kManifestFormat) return false;
    if (j.contains("renderer") && j["renderer"].is_string()) m.renderer = j["renderer"].get<std::string>();
    auto files = j.find("files");
    if (files == j.end() || !files->is_object()) return false;
    for (auto& [path, v] : files->items()) {
      if (!v.is_array() || v.size() != 4 || !v[0].is_string() || !v[1].is_number_unsigned() ||
          !v[2].is_number_unsigned() || !v[3].is_number_unsigned())
        continue;
      Entry e;
      e.blob = std::move(v[0].get_ref<std::string&>());
      e.stat = {v[1].get<std::uint64_t>(), v[2].get<std::uint64_t>(), v[3].get<std::uint64_t>()};
      m.files.emplace(path, std::move(e));
    }
    if (auto keys = j.find("keys"); keys != j.end() && keys->is_object())
      for (auto& [path, v] : keys->items()) {
        auto e = m.files.find(path);
        if (e != m.files.end() && v.is_string()) e->second.key = std::move(v.get_ref<std::string&>());
      }
    auto state = j.find("state");
    if (state != j.end() && state->is_object() && (*state)["size"].is_number_unsigned() &&
        (*state)["hash"].is_string()) {
      m.state_size = (*state)["size"].get<std::uint64_t>();
      m.state_hash = (*state)["hash"].get<std::string>();
    }
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return true;
}

/// The previous export in `out`. A damaged, foreign or older manifest still marks an export; it
/// just lists nothing, so everything is made again. Keys and the state are used only when the
/// same program made them, and the state only when it is the very one the manifest describes.
Previous read_previous(const fs::path& out) {
  Previous prev;
  std::string text;
  std::optional<FileStat> st;
  std::error_code ec;
  if (!read_whole(out / kManifestFile, text, &st)) {
    prev.found = fs::is_regular_file(fs::symlink_status(out / kManifestFile, ec));
    return prev;
  }
  prev.found = true;
  prev.written_ns = st->mtime_ns;
  Manifest m;
  if (!parse_manifest_fast(text, m)) {
    m = Manifest();
    if (!parse_manifest_json(text, m)) return prev;
  }
  std::string().swap(text);
  bool same_renderer = !renderer_id().empty() && m.renderer == renderer_id();
  if (!same_renderer)
    for (auto& [path, e] : m.files) e.key.clear();
  prev.files = std::move(m.files);
  std::string data;
  if (same_renderer && m.state_size > 0 && read_whole(out / kStateFile, data) && data.size() == m.state_size &&
      hash_text(data) == m.state_hash)
    prev.state = std::move(data);
  return prev;
}

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

namespace {

/// Writes each file as it comes: into a new directory (`in_place` false), or over the previous
/// export (`in_place`), through a temporary file renamed over the old one.
class Writer : public Sink {
 public:
  Writer(const fs::path& dir, bool in_place, Previous& previous, Disk& disk)
      : dir_(dir), in_place_(in_place), disk_(disk) {
    old_ = std::move(previous.files);
    old_state_ = std::move(previous.state);
    written_ns_ = previous.written_ns;
    // The directories of the previous export's files, checked once: most files go into one.
    if (in_place_)
      for (const auto& [path, e] : old_)
        for (std::size_t at = path.find('/'); at != std::string::npos; at = path.find('/', at + 1)) {
          std::string sub = path.substr(0, at);
          if (ready_dirs_.count(sub)) continue;
          struct stat st {};
          if (::lstat((dir_ / sub).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) break;
          ready_dirs_.insert(std::move(sub));
        }
  }

  // Renderers may send files from several threads: the bookkeeping is under a lock, the disk
  // work is not. reuse(), asked for every page, takes it once, to record the page kept (the
  // previous export's list does not change while the renderers run).
  bool reuse(const std::string& path, const std::string& key) override {
    auto o = old_.find(path);
    if (!in_place_ || key.empty() || o == old_.end() || o->second.key != key || !is_safe_output_path(path))
      return false;
    fs::path target = dir_ / path;
    make_parent(path);
    auto now = disk_.stat(target);
    if (!now || !intact(o->second, *now, target)) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    check(path);
    ++report.unchanged;
    files_[path] = Entry{o->second.blob, *now, key};
    return true;
  }

  void file(const std::string& path, std::string data, const std::string& key) override {
    claim(path);
    std::string blob = blob_id(data);
    fs::path target = dir_ / path;
    make_parent(path);
    std::optional<FileStat> now;
    bool same = false;
    if (in_place_ && (now = disk_.stat(target))) {
      const Entry* old = find_old(path);
      same = (old && old->blob == blob && intact(*old, *now, target)) ||
             (now->size == data.size() && disk_.same(target, data));
    }
    if (!same) now = put(target, [&](const Piece& piece) { piece(data); });
    std::lock_guard<std::mutex> lock(mutex_);
    ++(same ? report.unchanged : report.written);
    files_[path] = Entry{std::move(blob), *now, key};
  }

  void file_pieces(const std::string& path, std::optional<std::uint64_t> size, const std::string& key,
                   const std::function<void(const Piece&)>& fill) override {
    claim(path);
    fs::path target = dir_ / path;
    make_parent(path);
    std::optional<Sha1> hasher;
    if (size) hasher = blob_hasher(*size);
    Disk::Written w = disk_.write(target, in_place_, [&](const Piece& put) {
      fill([&](std::string_view piece) {
        if (hasher) hasher->update(piece);
        put(piece);
      });
    });
    if (in_place_) track(w.path);
    if (size && w.stat.size != *size) throw std::logic_error("file " + path + " is not the size announced");
    std::string blob = hasher ? hasher->hex() : hash_file(w.path, w.stat.size);
    bool same = false;
    FileStat st = w.stat;
    if (in_place_) {
      const Entry* old = find_old(path);
      auto now = disk_.stat(target);
      same = now && ((old && old->blob == blob && intact(*old, *now, target)) ||
                     (now->size == w.stat.size && same_files(target, w.path)));
      if (same) {
        disk_.remove(w.path);
        st = *now;
      } else {
        disk_.rename(w.path, target);
      }
      untrack(w.path);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++(same ? report.unchanged : report.written);
    files_[path] = Entry{std::move(blob), st, key};
  }

  std::string previous_state() const override { return old_state_; }
  std::string previous_file(const std::string& path) const override {
    auto o = old_.find(path);
    if (!in_place_ || o == old_.end() || !is_safe_output_path(path)) return {};
    fs::path target = dir_ / path;
    auto now = disk_.stat(target);
    if (!now || !intact(o->second, *now, target)) return {};
    return target.string();
  }
  void set_state(std::string state) override { state_ = std::move(state); }

  /// Once every file is in place: removes what this export did not make (the previous export's
  /// other files, what an interrupted one left), then writes the state and the manifest.
  void finish() {
    for (const auto& [path, e] : old_)
      if (!files_.count(path)) ++report.removed;
    if (in_place_) sweep(dir_, "");
    // One file per line, so the manifest stays readable and quick to parse.
    std::string text = "{\n  \"format\": " + std::to_string(kManifestFormat) +
                       ",\n  \"generator\": \"persona export\",\n  \"renderer\": ";
    text.reserve(files_.size() * 160);
    append_json(text, renderer_id());
    text += ",\n";
    if (!state_.empty()) {
      put(dir_ / kStateFile, [&](const Piece& piece) { piece(state_); });
      text += "  \"state\": {\"file\": ";
      append_json(text, kStateFile);
      text += ", \"size\": " + std::to_string(state_.size()) + ", \"hash\": \"" + hash_text(state_) + "\"},\n";
    } else if (in_place_) {
      disk_.remove(dir_ / kStateFile);
    }
    // `value` appends an entry's value and returns true, or returns false to leave it out.
    auto list = [&](const char* name, auto&& value) {
      text += "  \"";
      text += name;
      text += "\": {";
      bool first = true;
      for (const auto& [path, e] : files_) {
        if (!value(e, nullptr)) continue;
        text += first ? "\n    " : ",\n    ";
        first = false;
        append_json(text, path);
        text += ": ";
        value(e, &text);
      }
      text += first ? "}" : "\n  }";
    };
    list("files", [](const Entry& e, std::string* to) {
      if (to) {
        *to += "[\"";
        *to += e.blob;
        *to += "\", ";
        *to += std::to_string(e.stat.size);
        *to += ", ";
        *to += std::to_string(e.stat.mtime_ns);
        *to += ", ";
        *to += std::to_string(e.stat.ino);
        *to += "]";
      }
      return true;
    });
    text += ",\n";
    list("keys", [](const Entry& e, std::string* to) {
      if (to) append_json(*to, e.key);
      return !e.key.empty();
    });
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
  /// True when `now` is what the previous export recorded of the file. A file as new as the
  /// manifest may have changed within the same clock tick (git's racy-clean rule): its bytes
  /// are checked too.
  bool intact(const Entry& old, const FileStat& now, const fs::path& target) const {
    if (!(old.stat == now)) return false;
    if (old.stat.mtime_ns < written_ns_) return true;
    try {
      return hash_file(target, now.size) == old.blob;
    } catch (const Error&) {
      return false;
    }
  }

  const Entry* find_old(const std::string& path) const {
    auto o = old_.find(path);
    return o == old_.end() ? nullptr : &o->second;
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
      if (dirs_.count(dir)) continue;
      fs::path p = dir_ / dir;
      struct stat st {};
      if (::lstat(p.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
          dirs_.insert(dir);
          continue;
        }
        disk_.remove(p);
      }
      if (::mkdir(p.c_str(), 0777) != 0 && errno != EEXIST) throw errno_error("create", p, errno);
      dirs_.insert(dir);
    }
  }

  /// Removes every entry under `dir` (`rel` inside the export) that this export did not make;
  /// returns whether `dir` still holds anything.
  bool sweep(const fs::path& dir, const std::string& rel) {
    std::vector<std::pair<std::string, bool>> entries;  // name, is a directory
    {
      std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
      if (!d) throw errno_error("read", dir, errno);
      while (struct dirent* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        bool is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
          struct stat st {};
          is_dir = ::lstat((dir / name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        }
        entries.emplace_back(std::move(name), is_dir);
      }
    }
    bool kept = false;
    for (const auto& [name, is_dir] : entries) {
      std::string path = rel.empty() ? name : rel + "/" + name;
      if (rel.empty() && (name == kManifestFile || name == kStateFile)) {
        kept = true;
      } else if (is_dir) {
        if (sweep(dir / name, path))
          kept = true;
        else
          disk_.remove(dir / name);
      } else if (files_.count(path)) {
        kept = true;
      } else {
        disk_.remove(dir / name);
      }
    }
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
    Sha1 h = blob_hasher(size);
    Fd fd(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) throw errno_error("read", p, errno ? errno : EIO);
    std::string buf(1 << 16, '\0');
    std::uint64_t total = 0;
    for (;;) {
      ssize_t got = ::read(fd.get(), buf.data(), buf.size());
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw errno_error("read", p, errno);
      if (got == 0) break;
      h.update(std::string_view(buf.data(), static_cast<std::size_t>(got)));
      total += static_cast<std::uint64_t>(got);
    }
    if (total != size) throw errno_error("read", p, EIO);
    return h.hex();
  }

  void claim(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    check(path);
    files_[path];
  }

  void check(const std::string& path) {
    if (!is_safe_output_path(path) || path == kManifestFile || path == kStateFile ||
        path.find(kTempInfix) != std::string::npos)
      throw io_error("refusing to write " + quote(path, 200) + ": not a plain path inside the output directory");
    if (files_.count(path)) throw std::logic_error("export writes " + path + " twice");
  }

  fs::path dir_;
  bool in_place_;
  Disk& disk_;
  std::unordered_map<std::string, Entry> old_;
  std::string old_state_, state_;
  std::uint64_t written_ns_ = 0;
  std::map<std::string, Entry> files_;
  std::set<std::string> temps_;
  std::mutex mutex_;
  std::set<std::string, std::less<>> ready_dirs_;  ///< checked before the renderers start
  std::set<std::string> dirs_;
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
    previous = read_previous(out);
    if (!previous.found && !is_empty_dir(out))
      throw io_error("refusing to replace " + shown(out_arg) + ": it is not empty and holds no previous export",
                     "export into a new or empty directory; an export is recognised by its " +
                         std::string(kManifestFile));
    Writer writer(out, true, previous, disk);
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
  Writer writer(tmp.path(), false, previous, disk);
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
