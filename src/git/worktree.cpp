#include "git/worktree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/posix.h"
#include "git/handle.h"

namespace persona::git {

namespace {

using IndexPtr = std::unique_ptr<git_index, Deleter<git_index_free>>;

/// True when `st` is what the index entry recorded (git stores 32-bit seconds, inode and device).
bool matches(const git_index_entry& e, const struct stat& st) {
  return S_ISREG(st.st_mode) && static_cast<std::uint32_t>(st.st_size) == e.file_size &&
         static_cast<std::uint64_t>(st.st_size) == e.file_size &&
         static_cast<std::int32_t>(st.st_mtim.tv_sec) == e.mtime.seconds &&
         static_cast<std::uint32_t>(st.st_mtim.tv_nsec) == e.mtime.nanoseconds &&
         static_cast<std::int32_t>(st.st_ctim.tv_sec) == e.ctime.seconds &&
         static_cast<std::uint32_t>(st.st_ctim.tv_nsec) == e.ctime.nanoseconds &&
         static_cast<std::uint32_t>(st.st_ino) == e.ino &&
         static_cast<std::uint32_t>(st.st_dev) == e.dev;
}

}  // namespace

struct CleanWorktree::Impl {
  const Repository& repo;
  bool loaded = false;
  IndexPtr index;
  std::string workdir;  ///< ends in '/'
  struct timespec index_mtime {};

  /// Loads the index the first time a file is asked for: a caller whose answers all come from
  /// elsewhere never pays for reading it.
  void load() {
    loaded = true;
    const char* dir = git_repository_workdir(repo.handle());
    if (!dir) return;
    git_index* idx = nullptr;
    if (git_repository_index(&idx, repo.handle()) != 0) {
      git_error_clear();
      return;
    }
    IndexPtr loaded_index(idx);
    // The repository object keeps the index it loaded once: read the file as it is now.
    if (git_index_read(loaded_index.get(), 1) != 0) {
      git_error_clear();
      return;
    }
    const char* path = git_index_path(loaded_index.get());
    struct stat st {};
    if (!path || ::stat(path, &st) != 0) return;
    index_mtime = st.st_mtim;
    workdir = dir;
    if (!workdir.empty() && workdir.back() != '/') workdir += '/';
    index = std::move(loaded_index);
  }
};

CleanWorktree::CleanWorktree(const Repository& repo) : impl_(std::make_unique<Impl>(Impl{repo})) {}

CleanWorktree::~CleanWorktree() = default;

std::optional<std::string> CleanWorktree::read(const std::string& path,
                                               const ObjectId& blob) const {
  if (!impl_->loaded) impl_->load();
  if (!impl_->index || blob.size() != GIT_OID_HEXSZ) return std::nullopt;
  const git_index_entry* e = git_index_get_bypath(impl_->index.get(), path.c_str(), 0);
  if (!e) return std::nullopt;
  git_oid want;
  if (git_oid_fromstrn(&want, blob.data(), blob.size()) != 0) {
    git_error_clear();
    return std::nullopt;
  }
  if (!git_oid_equal(&e->id, &want) || (e->flags & GIT_INDEX_ENTRY_VALID) ||
      (e->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE))
    return std::nullopt;
  // Racy: a file changed in the same clock tick the index was written may not show it.
  const struct timespec& im = impl_->index_mtime;
  if (e->mtime.seconds > im.tv_sec ||
      (e->mtime.seconds == im.tv_sec && e->mtime.nanoseconds >= im.tv_nsec))
    return std::nullopt;
  std::string file = impl_->workdir + path;
  Fd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat before {
  }, after{};
  if (fd.get() < 0 || ::fstat(fd.get(), &before) != 0 || !matches(*e, before)) return std::nullopt;
  std::string text(static_cast<std::size_t>(before.st_size), '\0');
  std::size_t at = 0;
  while (at < text.size()) {
    ssize_t got = ::read(fd.get(), text.data() + at, text.size() - at);
    if (got <= 0) return std::nullopt;
    at += static_cast<std::size_t>(got);
  }
  // Changed while being read: its times moved.
  if (::fstat(fd.get(), &after) != 0 || !matches(*e, after)) return std::nullopt;
  return text;
}

bool has_uncommitted_changes(const Repository& repo, const std::string& path) {
  if (repo.is_bare() || repo.head_unborn()) return false;
  unsigned int flags = 0;
  if (git_status_file(&flags, repo.handle(), path.c_str()) != 0) {
    git_error_clear();
    return false;
  }
  return (flags & ~(GIT_STATUS_IGNORED | GIT_STATUS_WT_UNREADABLE)) != GIT_STATUS_CURRENT;
}

}  // namespace persona::git
