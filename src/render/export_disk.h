#pragma once
/// The export's file-system side, shared by render/export.cpp and render/export_manifest.cpp:
/// errors that name a path, stats, temporary names, whole-file reads and the content hashes an
/// export compares files by. Internal to the export; nothing outside render/export*.cpp uses it.
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <future>
#include <string>
#include <string_view>

#include "core/error.h"
#include "render/export.h"

namespace persona::render::exporting {

/// The infix of every temporary file or directory an export makes (".<name>.persona-tmp-XXXXXX").
inline constexpr std::string_view kTempInfix = ".persona-tmp-";

/// `p` quoted for an error message.
std::string shown(const std::filesystem::path& p);
/// "cannot WHAT 'P': strerror(err)" as an I/O error.
Error errno_error(const std::string& what, const std::filesystem::path& p, int err);
/// What an export records of a file's stat.
FileStat stat_of(const struct stat& st);
/// Six random letters and digits for a temporary name.
std::string random_suffix();

/// Reads a regular file whole, without following a symlink; its stat into `st` when given.
/// False when it is not a readable regular file.
bool read_whole(const std::filesystem::path& p, std::string& out,
                std::optional<FileStat>* st = nullptr);

/// True when the files hold the same bytes.
bool same_files(const std::filesystem::path& a, const std::filesystem::path& b);
/// The git blob id of the file at `p`, which must be `size` bytes long.
std::string hash_file(const std::filesystem::path& p, std::uint64_t size);
/// The blob id of the `size` bytes `fd` reads (`p` names it in errors).
std::string hash_fd(int fd, const std::filesystem::path& p, std::uint64_t size);
/// The blob id of the file just written at `p` (`st` as written), made on another thread from
/// the file itself: the descriptor is opened now, so a rename does not matter.
std::future<std::string> hash_aside(const std::filesystem::path& p, const FileStat& st);

/// Renames a new directory into place where nothing is.
void create_in_place(const std::filesystem::path& tmp, const std::filesystem::path& out);

/// Removes a directory tree when the export does not reach the rename.
class TempDir {
 public:
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::filesystem::path path_;
};

}  // namespace persona::render::exporting
