#include "core/posix.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace persona {

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int Fd::close() {
  int fd = fd_;
  fd_ = -1;
  return ::close(fd) == 0 ? 0 : errno;
}

std::uint64_t now_ns() {
  struct timespec t;
  ::clock_gettime(CLOCK_REALTIME, &t);
  return to_ns(t);
}

Stamp stamp_of(const std::filesystem::path& path, std::uint64_t now) {
  return stamp_at(AT_FDCWD, path.c_str(), now);
}

Stamp stamp_at(int dir, const char* path, std::uint64_t now) {
  struct stat st;
  if (::fstatat(dir, path, &st, 0) != 0 || !S_ISREG(st.st_mode)) return {};
  Stamp s{static_cast<std::uint64_t>(st.st_size), to_ns(st.st_mtim), to_ns(st.st_ctim),
          static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_dev)};
  constexpr std::uint64_t kSlack = 2000000000ull;
  if (s.mtime_ns + kSlack > now || s.ctime_ns + kSlack > now || s.empty()) return {};
  return s;
}

}  // namespace persona
