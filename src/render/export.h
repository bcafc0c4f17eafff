#pragma once
/// `persona export`: the whole library as files (HTML site, JSON, Markdown), written as they are
/// made:
///  - whole files: a new export goes to a temporary directory beside the target, renamed into place
///    at the end, so a new directory appears complete or not at all (an interrupted one may leave
///    its DIR.persona-tmp-* behind). A previous export is updated in place: each new or changed
///    file is written to a temporary file in its own directory (.<name>.persona-tmp-XXXXXX) and
///    renamed over the old one, so a reader only ever sees whole files; what this export did not
///    make is removed once every new file is in place, and the manifest is written last. A failed
///    or interrupted update leaves a mix of old and new whole files and the previous manifest; the
///    next export completes it (and removes what an interrupted one left, temporary files
///    included). Files are not fsynced: this guards against failures of the process, not against
///    power loss;
///  - incremental: a persona's own files carry an input key (persona_key); when it matches the
///    previous export's and the file is still the one that export wrote (same size, mtime and
///    inode), it is kept without being made again. Any other file whose bytes did not change is
///    left alone too, so only what depends on a change is rewritten (the rest keeps its inode and
///    mtime). .persona-export.json records every file's hash, stat and key;
///  - deterministic: the same library gives byte-identical files (no clock, sorted everything);
///  - contained: every path is checked with is_safe_output_path before anything is written, and
///    no write goes through a symlink inside the output directory.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "render/context.h"
#include "render/templates.h"

namespace persona::render {

/// Marks a directory as an export (a directory without it is never replaced) and lists, for
/// every file, its git blob id, its size, mtime and inode, and its input key.
inline constexpr const char* kManifestFile = ".persona-export.json";
/// What the previous export left for the next one (Sink::previous_state), as raw bytes; the
/// manifest records its size and hash, and a state that does not match them is not used.
inline constexpr const char* kStateFile = ".persona-export.state";

/// Sends every file of an export of the formats named (render/formats.h) to `out`, in the
/// table's order. `templates` is needed for those that render through templates (html).
void export_files(const RenderContext& ctx, const std::vector<std::string>& names,
                  const TemplateSet* templates, Sink& out);

/// The same files, collected in memory.
FileSet build_export(const RenderContext& ctx, const std::vector<std::string>& formats,
                     const TemplateSet* templates);

/// What made this export: the GNU build id of the running program (or, without one, its size and
/// time). A file is only kept from a previous export by its input key when the same program
/// made it, so a new version of persona never leaves pages of the old one behind.
const std::string& renderer_id();

/// What lstat says of a file, enough to tell that it is still the one an export wrote.
struct FileStat {
  std::uint64_t size = 0;
  std::uint64_t mtime_ns = 0;
  std::uint64_t ino = 0;
  bool operator==(const FileStat&) const = default;
};

/// The file system as the writer sees it, so tests can make a write fail midway. A streamed
/// export (render/stream.h) calls it from several threads at once. Directories are made by the
/// writer; every new byte goes through write().
class Disk {
 public:
  struct Written {
    std::filesystem::path path;  ///< where the bytes are
    FileStat stat;
  };
  virtual ~Disk() = default;
  /// Writes a new file holding the pieces `fill` passes on; its directory exists. With `beside`,
  /// the file is a new temporary one in `path`'s directory (.<name>.persona-tmp-XXXXXX) for
  /// rename() to put in place; without, it is `path` itself, which must not exist. Throws
  /// persona::Error naming `path` on failure, leaving no file behind.
  virtual Written write(const std::filesystem::path& path, bool beside,
                        const std::function<void(const Piece&)>& fill);
  /// Renames `from` over `to` in one step: a reader sees the old file or the new one.
  virtual void rename(const std::filesystem::path& from, const std::filesystem::path& to);
  /// Removes a file, symlink or empty directory; one already gone is fine.
  virtual void remove(const std::filesystem::path& path);
  /// True when `path` is a regular file holding exactly `data`.
  virtual bool same(const std::filesystem::path& path, std::string_view data);
  /// What lstat says of `path` when it is a regular file.
  virtual std::optional<FileStat> stat(const std::filesystem::path& path);
  /// The same for `name` in the directory open as `dir`: one step of path lookup, for the
  /// thousands of files an export keeps.
  virtual std::optional<FileStat> stat_at(int dir, const char* name);
};

struct WriteReport {
  std::size_t written = 0;    ///< new or changed files
  std::size_t unchanged = 0;  ///< carried over from the previous export
  std::size_t removed = 0;    ///< in the previous export, not in this one
};

/// Makes `out` hold exactly the files `produce` sends to its sink, written as they come (a file
/// with the same bytes as in the previous export is left as it is; one whose input key is the
/// same is kept without being made). `out` must be absent, empty, or a previous export (it holds
/// kManifestFile); anything else is refused, so a mistyped --out cannot wipe a directory. An
/// absent `out` is built beside and renamed into place; otherwise `out` is updated in place
/// (see above), one export at a time (a second one at once is refused). Throws persona::Error
/// (exit 3) on any failure: an absent `out` stays absent; an existing one holds whole files, old
/// or new, its previous manifest, and none of this export's temporary files.
WriteReport write_export(const std::filesystem::path& out, Disk& disk,
                         const std::function<void(Sink&)>& produce);
/// The same for files already in memory.
WriteReport write_export(const FileSet& files, const std::filesystem::path& out, Disk& disk);

/// "wrote 3 files, 40 unchanged, to site" (", 2 removed" before "to" when some were).
std::string report_line(const WriteReport& r, const std::string& out_shown);

}  // namespace persona::render
