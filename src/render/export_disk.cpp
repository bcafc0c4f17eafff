#include "render/export_disk.h"

#include <fcntl.h>  // AT_FDCWD
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <random>

#include "core/hash.h"
#include "core/posix.h"
#include "core/text.h"

namespace persona::render {
namespace fs = std::filesystem;

namespace exporting {

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

bool read_whole(const fs::path& p, std::string& out, std::optional<FileStat>* st) {
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

/// True when the files hold the same bytes.
bool same_files(const fs::path& a, const fs::path& b) {
  Fd fa(::open(a.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)),
      fb(::open(b.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
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

std::string hash_file(const fs::path& p, std::uint64_t size) {
  Fd fd(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) throw errno_error("read", p, errno ? errno : EIO);
  return hash_fd(fd.get(), p, size);
}

/// The blob id of the `size` bytes `fd` reads (`p` names it in errors).
std::string hash_fd(int fd, const fs::path& p, std::uint64_t size) {
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
std::future<std::string> hash_aside(const fs::path& p, const FileStat& st) {
  auto fd = std::make_shared<Fd>(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd->get() < 0) throw errno_error("read", p, errno ? errno : EIO);
  struct stat now {};
  if (::fstat(fd->get(), &now) != 0) throw errno_error("read", p, errno);
  if (!(stat_of(now) == st)) throw io_error(shown(p) + " changed while it was being written");
  // Without a thread to spare, it is made when it is asked for.
  return std::async(std::launch::async | std::launch::deferred,
                    [fd, p, size = st.size] { return hash_fd(fd->get(), p, size); });
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

}  // namespace exporting

using namespace exporting;

// ---- Disk: the real file system ------------------------------------------------------------

Disk::Written Disk::write(const fs::path& path, bool beside,
                          const std::function<void(const Piece&)>& fill) {
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

}  // namespace persona::render
