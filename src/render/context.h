#pragma once
/// What every renderer shares: the library, its community figures, the output paths, and the
/// set of files an export produces.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "library/library.h"
#include "render/links.h"

namespace persona::render {

/// Files of an export by path relative to the output directory ('/'-separated), with their bytes.
using FileSet = std::map<std::string, std::string>;

/// Receives the files of an export one by one, as they are made, so that an export never holds
/// all of them in memory. A file with an input key (a hash of everything it is made from) may be
/// kept from the previous export instead of being made again: renderers ask reuse() first.
class Sink {
 public:
  virtual ~Sink() = default;
  /// True when the previous export's `path` was made from the same inputs (same `key`) and is
  /// kept; the renderer then does not make it.
  virtual bool reuse(const std::string& path, const std::string& key);
  /// A file, made. `key` is "" for files that depend on the whole library.
  virtual void file(const std::string& path, std::string data, const std::string& key = {}) = 0;
  /// A file made in pieces, for files too large to hold whole: `fill` passes each piece, in order,
  /// to the function it is given. `size`, when known, is the total (checked). The default collects
  /// the pieces and calls file().
  virtual void file_pieces(
      const std::string& path, std::optional<std::uint64_t> size, const std::string& key,
      const std::function<void(const std::function<void(std::string_view)>&)>& fill);
  /// What a previous export left for the next one (render/stream.h), "" if nothing; and what this
  /// one leaves. Kept in the manifest.
  virtual std::string previous_state() const { return {}; }
  /// Where the previous export's `path` can be read, or "" when there is none.
  virtual std::string previous_file(const std::string& path) const {
    (void)path;
    return {};
  }
  // NOLINTNEXTLINE(performance-unnecessary-value-param): overriders keep the string
  virtual void set_state(std::string state) { (void)state; }
};

/// Receives one piece of a file made in pieces.
using Piece = std::function<void(std::string_view)>;

/// Collects the files in memory (for tests and single files). Renderers may send files from
/// several threads at once.
class FileSetSink : public Sink {
 public:
  FileSet files;
  void file(const std::string& path, std::string data, const std::string& key = {}) override;

 private:
  std::mutex mutex_;
};

struct RenderContext {
  /// `base_url` overrides the library's (pass "" to use the library's own).
  RenderContext(const Library& library, std::string base_url = {});
  /// With the figures already computed (by pid; a persona without records may be left out).
  RenderContext(const Library& library, std::string base_url,
                std::map<std::string, PersonaActivity> activity);

  const Library& library;
  std::map<std::string, PersonaActivity> activity;  ///< by pid; only personas with records
  SitePaths paths;
  std::string base_url;  ///< absolute site URL ending in '/', or "" for relative links only

  const PersonaActivity& activity_of(const std::string& pid) const;
};

/// The input key of a persona's own files (its page, JSON and Markdown): a hash of its file, its
/// contribution records, the library settings and base URL, and what it shows of other personas
/// (name and path of each pid it mentions, its app's display name). `salt` adds what else the
/// file is made from (format, templates).
std::string persona_key(const RenderContext& ctx, const Persona& p, std::string_view salt);
/// Appends `value` to the input of a key as "<size>:<value>\n", so that different lists of values
/// never give the same input.
void append_key_part(std::string& in, std::string_view value);

/// persona_key() from its parts: the file's text or what stands for it (`content_label` "text"
/// with the text, or "hash" with a hash of its bytes), and the pids its fields mention.
std::string persona_key_of(const RenderContext& ctx, const Persona& p, std::string_view salt,
                           std::string_view content_label, std::string_view content,
                           std::set<std::string> mentioned);

/// Adds every "APP-<digits>" token in `text` to `out`.
void collect_pids(std::string_view text, std::set<std::string>& out);
/// The pids a persona's fields mention.
std::set<std::string> mentions_of(const Persona& p);

/// "1 comment", "3 comments".
std::string plural(long long n, const std::string& one, const std::string& many);

/// "2026-11-02" from "2026-11-02T10:00:00Z".
std::string date_of(const std::string& time);

}  // namespace persona::render
