#pragma once
/// The website export for a library of any size, one persona at a time: the same files, byte for
/// byte, as add_html_site() makes from the fully loaded library, without ever holding the library.
///
///  - The verdict on every file comes from the lean, cached load `validate` uses
///    (LoadOptions::keep_content = false): only files without problems are exported.
///  - A first pass reads each of those files for what other pages show of it (pid, name, app,
///    category, tags); a second pass, on every core, parses each persona again, renders its page
///    and writes it, keeping only its card's text. New search entries are spooled to a temporary
///    file and each search shard (html.h) is written in pieces, as are the index and the app and
///    category pages.
///  - The export's state (kStateFile) keeps, per persona file, the hash of its bytes, what stat
///    said of it (its Stamp, core/posix.h) and what the lists and the search index need of it.
///    A re-export reads only the files whose stamp changed (a file changed less than two seconds
///    before it was read is read again next time, as in the validation cache), parses only the ones
///    whose bytes changed (and those whose page shows something that changed elsewhere); every
///    other page is kept from the previous export, its search entry copied from it; a search shard
///    whose entries all stayed as they were is kept without being read. The page keys and card
///    digests are kept too, and made again only for personas whose bytes changed, or for all
///    when what they share (settings, templates, other personas' outlines, records) did.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "library/library.h"
#include "render/context.h"
#include "render/templates.h"
#include "schema/schema.h"

namespace persona::render {

struct StreamOptions {
  std::filesystem::path root;  ///< the library's root
  std::string base_url;        ///< "" for the library's own
  unsigned jobs = 0;           ///< worker threads; 0 = one per core
  /// The clock persona files' stamps are judged by (as LoadOptions::stamp_clock_ns; 0 = the
  /// system clock): a file changed less than two seconds before it is read, not trusted.
  std::uint64_t stamp_clock_ns = 0;
};

/// Sends the site of the library whose lean load is `lean` (its records are moved out) to `out`.
/// Throws persona::Error (exit 3) when a file can no longer be read or parsed.
void stream_html_site(Library& lean, const TemplateSet& templates, const StreamOptions& options,
                      Sink& out);
/// The same, with the lean load made by `load` while the previous export's state is read.
void stream_html_site(const std::function<Library()>& load, const TemplateSet& templates,
                      const StreamOptions& options, Sink& out);

}  // namespace persona::render
