#pragma once
/// The website export for a library of any size, one persona at a time: the same files, byte for
/// byte, as add_html_site() makes from the fully loaded library, without ever holding the library.
///
///  - The verdict on every file comes from the lean, cached load `validate` uses
///    (LoadOptions::keep_content = false): only files without problems are exported.
///  - A first pass reads each of those files for what other pages show of it (pid, name, app,
///    category, tags); a second pass, on every core, parses each persona again, renders its page
///    and writes it, keeping only its card's text. The search index is spooled to a temporary
///    file entry by entry and written in pieces, as are the index and the app and category pages.
///  - The export's state (kStateFile) keeps, per persona file, the hash of its bytes, what stat
///    said of it (size, mtime, ctime, inode) and what the lists and the search index need of it.
///    A re-export reads only the files whose stat changed (a file changed within the clock tick
///    it was read in is read again next time, git's racy-clean rule), parses only the ones whose
///    bytes changed (and those whose page shows something that changed elsewhere); every other
///    page is kept from the previous export, its search entry copied from it.
#include <filesystem>
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
};

/// Sends the site of the library whose lean load is `lean` (its records are moved out) to `out`.
/// Throws persona::Error (exit 3) when a file can no longer be read or parsed.
void stream_html_site(Library& lean, const TemplateSet& templates, const StreamOptions& options,
                      Sink& out);

}  // namespace persona::render
