#include "render/export.h"

#include "core/program_id.h"

#include <fcntl.h>  // AT_FDCWD
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>  // link

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

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

std::string shown(const fs::path& p) { return quote(p.string(), 200); }

Error errno_error(const std::string& what, const fs::path& p, int err) {
  return io_error("cannot " + what + " " + shown(p) + ": " + std::strerror(err));
}

/// Removes a directory tree when the export does not reach the swap.
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

 private:
  fs::path path_;
};

nlohmann::json read_manifest(const fs::path& out) {
  std::error_code ec;
  fs::path m = out / kManifestFile;
  if (!fs::is_regular_file(m, ec)) return nullptr;
  std::ifstream in(m, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto j = nlohmann::json::parse(text, nullptr, false);
  // A damaged manifest still marks a previous export; it just lists nothing.
  if (j.is_discarded() || !j.is_object()) return nlohmann::json::object();
  return j;
}

bool is_empty_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && fs::directory_iterator(p, ec) == fs::directory_iterator();
}

/// Swaps `tmp` and `out` in one step where the kernel can; otherwise moves `out` aside first.
void swap_in(const fs::path& tmp, const fs::path& out, bool out_exists) {
  if (!out_exists) {
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE) == 0) return;
    if (errno != EINVAL && errno != ENOSYS) throw errno_error("create", out, errno);
    std::error_code ec;
    if (fs::exists(out, ec)) throw io_error(shown(out) + " appeared while exporting; not replacing it");
    if (::rename(tmp.c_str(), out.c_str()) != 0) throw errno_error("create", out, errno);
    return;
  }
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) == 0) return;
  if (errno != EINVAL && errno != ENOSYS) throw errno_error("replace", out, errno);
  // No exchange on this file system: two renames, with the previous export kept until the end.
  fs::path old = tmp;
  old += ".old";
  if (::rename(out.c_str(), old.c_str()) != 0) throw errno_error("move aside", out, errno);
  if (::rename(tmp.c_str(), out.c_str()) != 0) {
    int err = errno;
    ::rename(old.c_str(), out.c_str());
    throw errno_error("replace", out, err);
  }
  // The caller removes `tmp`; leave the old export there.
  ::rename(old.c_str(), tmp.c_str());
}

}  // namespace

void Disk::write(const fs::path& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) {
    // Most files go into a directory made for an earlier one: make it only when missing.
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw io_error("cannot create " + shown(path.parent_path()) + ": " + ec.message());
    errno = 0;
    f.open(path, std::ios::binary | std::ios::trunc);
  }
  if (!f) throw errno_error("write", path, errno ? errno : EIO);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  f.close();
  if (!f) throw errno_error("write", path, errno ? errno : EIO);
}

std::uint64_t Disk::write_pieces(const fs::path& path, const std::function<void(const Piece&)>& fill) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw io_error("cannot create " + shown(path.parent_path()) + ": " + ec.message());
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) throw errno_error("write", path, errno ? errno : EIO);
  std::uint64_t n = 0;
  int err = 0;
  fill([&](std::string_view piece) {
    if (!err && !piece.empty() && std::fwrite(piece.data(), 1, piece.size(), f.get()) != piece.size())
      err = errno ? errno : EIO;
    n += piece.size();
  });
  if (std::fclose(f.release()) != 0 && !err) err = errno ? errno : EIO;
  if (err) throw errno_error("write", path, err);
  return n;
}

bool Disk::same(const fs::path& path, std::string_view data) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec)) || fs::file_size(path, ec) != data.size() || ec)
    return false;
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return false;
  // Compared a block at a time: a large page is never read whole beside its new bytes.
  char buf[1 << 16];
  std::size_t at = 0;
  while (std::size_t got = std::fread(buf, 1, sizeof buf, f.get())) {
    if (at + got > data.size() || std::memcmp(buf, data.data() + at, got) != 0) return false;
    at += got;
  }
  return !std::ferror(f.get()) && at == data.size();
}

void Disk::link(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  // Most files go into a directory made for an earlier one: try first, make it when missing.
  if (::link(from.c_str(), to.c_str()) == 0) return;
  fs::create_directories(to.parent_path(), ec);
  if (ec) throw io_error("cannot create " + shown(to.parent_path()) + ": " + ec.message());
  fs::create_hard_link(from, to, ec);
  if (!ec) return;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw io_error("cannot copy " + shown(from) + " to " + shown(to) + ": " + ec.message());
}

namespace {

/// Writes each file into the temporary directory as it comes, linking what it can from the
/// previous export.
class Writer : public Sink {
 public:
  Writer(const fs::path& out, const fs::path& tmp, bool exists, nlohmann::json& previous, Disk& disk)
      : out_(out), tmp_(tmp), exists_(exists), disk_(disk) {
    if (!previous.is_object()) return;
    auto strings = [&](const char* key, std::map<std::string, std::string>& into) {
      if (!previous.contains(key) || !previous[key].is_object()) return;
      for (const auto& [path, v] : previous[key].items())
        if (v.is_string()) into[path] = v.get<std::string>();
    };
    strings("files", old_hashes_);
    if (previous.contains("renderer") && previous["renderer"] == renderer_id() && !renderer_id().empty()) {
      strings("keys", old_keys_);
      if (previous.contains("state") && previous["state"].is_string())
        old_state_ = std::move(previous["state"].get_ref<std::string&>());
    }
  }

  // Renderers may send files from several threads: the bookkeeping is under a lock, the disk
  // work is not.
  bool reuse(const std::string& path, const std::string& key) override {
    std::string hash;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      check(path);
      auto k = old_keys_.find(path);
      auto h = old_hashes_.find(path);
      if (!exists_ || key.empty() || k == old_keys_.end() || k->second != key || h == old_hashes_.end())
        return false;
      hash = h->second;
      hashes_[path];  // claimed, so a second file with this path is refused
    }
    std::error_code ec;
    bool ok = fs::is_regular_file(fs::symlink_status(out_ / path, ec));
    if (ok) disk_.link(out_ / path, tmp_ / path);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ok) {
      hashes_.erase(path);
      return false;
    }
    ++report.unchanged;
    hashes_[path] = std::move(hash);
    keys_[path] = key;
    return true;
  }

  void file(const std::string& path, std::string data, const std::string& key) override {
    claim(path);
    bool same = exists_ && disk_.same(out_ / path, data);
    if (same) {
      disk_.link(out_ / path, tmp_ / path);
    } else {
      disk_.write(tmp_ / path, data);
    }
    std::string hash = blob_id(data);
    std::lock_guard<std::mutex> lock(mutex_);
    ++(same ? report.unchanged : report.written);
    hashes_[path] = std::move(hash);
    if (!key.empty()) keys_[path] = key;
  }

  void file_pieces(const std::string& path, std::optional<std::uint64_t> size, const std::string& key,
                   const std::function<void(const Piece&)>& fill) override {
    claim(path);
    fs::path dst = tmp_ / path;
    std::optional<Sha1> hasher;
    if (size) hasher = blob_hasher(*size);
    std::uint64_t n = disk_.write_pieces(dst, [&](const Piece& put) {
      fill([&](std::string_view piece) {
        if (hasher) hasher->update(piece);
        put(piece);
      });
    });
    if (size && n != *size) throw std::logic_error("file " + path + " is not the size announced");
    std::string hash = hasher ? hasher->hex() : hash_file(dst, n);
    std::string old;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto h = old_hashes_.find(path);
      if (h != old_hashes_.end()) old = h->second;
    }
    std::error_code ec;
    bool same = exists_ && old == hash && fs::is_regular_file(fs::symlink_status(out_ / path, ec)) &&
                fs::file_size(out_ / path, ec) == n && !ec;
    if (same) {
      fs::remove(dst, ec);
      disk_.link(out_ / path, dst);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++(same ? report.unchanged : report.written);
    hashes_[path] = std::move(hash);
    if (!key.empty()) keys_[path] = key;
  }

  std::string previous_state() const override { return old_state_; }
  std::string previous_file(const std::string& path) const override {
    std::error_code ec;
    if (!exists_ || !is_safe_output_path(path) || !fs::is_regular_file(fs::symlink_status(out_ / path, ec)))
      return {};
    return (out_ / path).string();
  }
  void set_state(std::string state) override { state_ = std::move(state); }

  void finish() {
    for (const auto& [path, hash] : old_hashes_)
      if (!hashes_.count(path)) ++report.removed;
    nlohmann::ordered_json manifest;
    manifest["format"] = 1;
    manifest["generator"] = "persona export";
    manifest["renderer"] = renderer_id();
    manifest["files"] = hashes_;
    manifest["keys"] = keys_;
    std::string text = manifest.dump(2);
    if (state_.empty()) {
      disk_.write(tmp_ / kManifestFile, text + "\n");
      return;
    }
    // The state goes last, escaped as it is written: it can be large.
    text.resize(text.size() - 2);  // "\n}"
    disk_.write_pieces(tmp_ / kManifestFile, [&](const Piece& put) {
      put(text);
      put(",\n  \"state\": \"");
      std::size_t done = 0;
      for (std::size_t i = 0; i < state_.size(); ++i) {
        auto c = static_cast<unsigned char>(state_[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        put(std::string_view(state_).substr(done, i - done));
        char esc[8];
        if (c == '"' || c == '\\') {
          esc[0] = '\\';
          esc[1] = static_cast<char>(c);
          put(std::string_view(esc, 2));
        } else {
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          put(std::string_view(esc, 6));
        }
        done = i + 1;
      }
      put(std::string_view(state_).substr(done));
      put("\"\n}\n");
    });
  }

  WriteReport report;

 private:
  static std::string hash_file(const fs::path& p, std::uint64_t size) {
    Sha1 h = blob_hasher(size);
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(p.c_str(), "rb"), &std::fclose);
    if (!f) throw errno_error("read", p, errno ? errno : EIO);
    std::string buf(1 << 16, '\0');
    std::uint64_t total = 0;
    while (std::size_t got = std::fread(buf.data(), 1, buf.size(), f.get())) {
      h.update(std::string_view(buf.data(), got));
      total += got;
    }
    if (std::ferror(f.get()) || total != size) throw errno_error("read", p, EIO);
    return h.hex();
  }

  void claim(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    check(path);
    hashes_[path];
  }

  void check(const std::string& path) {
    if (!is_safe_output_path(path) || path == kManifestFile)
      throw io_error("refusing to write " + quote(path, 200) + ": not a plain path inside the output directory");
    if (hashes_.count(path)) throw std::logic_error("export writes " + path + " twice");
  }

  fs::path out_, tmp_;
  bool exists_;
  Disk& disk_;
  std::map<std::string, std::string> old_hashes_, old_keys_;
  std::map<std::string, std::string> hashes_, keys_;
  std::string old_state_, state_;
  std::mutex mutex_;
};

}  // namespace

WriteReport write_export(const fs::path& out_arg, Disk& disk, const std::function<void(Sink&)>& produce) {
  std::error_code ec;
  fs::path out = fs::absolute(out_arg, ec).lexically_normal();
  if (ec) throw io_error("cannot resolve " + shown(out_arg) + ": " + ec.message());
  if (!out.has_filename()) out = out.parent_path();
  // Replace the directory a symlink points to, not the symlink.
  if (fs::is_symlink(fs::symlink_status(out, ec))) {
    out = fs::canonical(out, ec);
    if (ec) throw io_error("cannot resolve " + shown(out_arg) + ": " + ec.message());
  }
  bool exists = fs::exists(fs::symlink_status(out, ec));
  nlohmann::json previous;
  if (exists) {
    if (!fs::is_directory(out, ec)) throw io_error(shown(out_arg) + " exists and is not a directory");
    previous = read_manifest(out);
    if (previous.is_null() && !is_empty_dir(out))
      throw io_error("refusing to replace " + shown(out_arg) + ": it is not empty and holds no previous export",
                     "export into a new or empty directory; an export is recognised by its " +
                         std::string(kManifestFile));
  }
  fs::create_directories(out.parent_path(), ec);
  if (ec) throw io_error("cannot create " + shown(out.parent_path()) + ": " + ec.message());

  std::string pattern = (out.parent_path() / (out.filename().string() + ".persona-tmp-XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw errno_error("create a temporary directory beside", out, errno);
  TempDir tmp{fs::path(pattern)};

  Writer writer(out, tmp.path(), exists, previous, disk);
  produce(writer);
  writer.finish();
  swap_in(tmp.path(), out, exists);
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
