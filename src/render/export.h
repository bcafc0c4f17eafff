#pragma once
/// `persona export`: the whole library as files (HTML site, JSON, Markdown), built in memory and
/// then written so that the output directory only ever holds a complete export:
///  - atomic: files go to a temporary directory beside the target, which is then swapped in with
///    one rename (renameat2 RENAME_EXCHANGE), so a failed or interrupted export leaves the
///    previous one as it was (an interrupted one may leave its DIR.persona-tmp-* behind). Files
///    are not fsynced: this guards against failures of the process, not against power loss;
///  - incremental: a persona's own files carry an input key (persona_key); when it matches the
///    previous export's, the file is hard-linked from there without being made again. Any other
///    file whose bytes did not change is hard-linked too, so only what depends on a change is
///    rewritten (the rest keeps its inode and mtime). .persona-export.json records every file's
///    hash and key;
///  - deterministic: the same library gives byte-identical files (no clock, sorted everything);
///  - contained: every path is checked with is_safe_output_path before anything is written.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "render/context.h"
#include "render/templates.h"

namespace persona::render {

/// Marks a directory as an export (a directory without it is never replaced) and lists the
/// git blob id of every file.
inline constexpr const char* kManifestFile = ".persona-export.json";

/// The formats, in the order they are built.
const std::vector<std::string>& export_formats();

/// Sends every file of an export of `formats` ("html", "json", "md") to `out`. `templates` is
/// needed for html.
void export_files(const RenderContext& ctx, const std::vector<std::string>& formats,
                  const TemplateSet* templates, Sink& out);

/// The same files, collected in memory.
FileSet build_export(const RenderContext& ctx, const std::vector<std::string>& formats,
                     const TemplateSet* templates);

/// What made this export: the GNU build id of the running program (or, without one, its size and
/// time). A file is only kept from a previous export by its input key when the same program
/// made it, so a new version of persona never leaves pages of the old one behind.
const std::string& renderer_id();

/// The file system as the writer sees it, so tests can make a write fail midway. A streamed
/// export (render/stream.h) calls it from several threads at once.
class Disk {
 public:
  virtual ~Disk() = default;
  /// Writes a new file, creating its parent directories. Throws persona::Error on failure.
  virtual void write(const std::filesystem::path& path, std::string_view data);
  /// Writes a new file from the pieces `fill` passes on; returns its size.
  virtual std::uint64_t write_pieces(const std::filesystem::path& path,
                                     const std::function<void(const Piece&)>& fill);
  /// True when `path` is a regular file holding exactly `data`.
  virtual bool same(const std::filesystem::path& path, std::string_view data);
  /// Makes `to` a hard link to `from` (a copy where links are not possible).
  virtual void link(const std::filesystem::path& from, const std::filesystem::path& to);
};

struct WriteReport {
  std::size_t written = 0;    ///< new or changed files
  std::size_t unchanged = 0;  ///< carried over from the previous export
  std::size_t removed = 0;    ///< in the previous export, not in this one
};

/// Replaces the content of `out` with the files `produce` sends to its sink, written as they come
/// (a file with the same bytes as in the previous export is hard-linked; one whose input key is
/// the same is kept without being made). `out` must be absent, empty, or a previous export (it
/// holds kManifestFile); anything else is refused, so a mistyped --out cannot wipe a directory.
/// Throws persona::Error (exit 3) on any failure, leaving `out` untouched.
WriteReport write_export(const std::filesystem::path& out, Disk& disk,
                         const std::function<void(Sink&)>& produce);
/// The same for files already in memory.
WriteReport write_export(const FileSet& files, const std::filesystem::path& out, Disk& disk);

/// "wrote 3 files, 40 unchanged, to site" (", 2 removed" before "to" when some were).
std::string report_line(const WriteReport& r, const std::string& out_shown);

}  // namespace persona::render
