#pragma once
/// Thin POSIX helpers shared by the modules that touch files directly: a file descriptor that
/// closes itself, times in nanoseconds, and the stat "stamp" by which a file is known unchanged
/// without reading it (the validation cache, the streamed export's state).
#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <filesystem>

namespace persona {

/// A file descriptor, closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd);
  /// Closes it, returning close()'s errno (0 when fine).
  int close();

 private:
  int fd_;
};

/// A time as nanoseconds since the epoch.
inline std::uint64_t to_ns(const struct timespec& t) {
  return static_cast<std::uint64_t>(t.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(t.tv_nsec);
}
/// The system clock, in nanoseconds since the epoch.
std::uint64_t now_ns();

/// What stat() says of a file. A record of a file whose stamp is still the file's own can be used
/// without reading the file, as git's index does; an empty stamp is never trusted.
struct Stamp {
  std::uint64_t size = 0, mtime_ns = 0, ctime_ns = 0, ino = 0, dev = 0;
  bool operator==(const Stamp&) const = default;
  bool empty() const { return mtime_ns == 0 && ctime_ns == 0 && ino == 0; }
};
/// The stamp of `path` (following symlinks, as reading does), or an empty one when stat fails, it
/// is not a regular file, or it was changed (mtime or ctime) less than two seconds before `now`
/// (nanoseconds since the epoch): a second change within the same clock tick would leave the same
/// stamp, so a file that recent is read, and trusted only on a later run.
Stamp stamp_of(const std::filesystem::path& path, std::uint64_t now);
/// stamp_of() for `path` relative to the directory open as `dir` (AT_FDCWD: the current one): a
/// listing stamps each file by its name while its directory is open, and the kernel looks up that
/// one name instead of walking the file's whole path again.
Stamp stamp_at(int dir, const char* path, std::uint64_t now);

}  // namespace persona
