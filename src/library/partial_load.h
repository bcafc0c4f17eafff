#pragma once
/// Loading only what one command needs from a library, with the same results as load_library()
/// gives for it: library.yaml's settings for `contribute` and `apply`, and one persona with its
/// records for `history`.
#include <filesystem>
#include <optional>
#include <string>

#include "library/library.h"

namespace persona {

/// library.yaml's settings exactly as load_library() reads them: the defaults when the file
/// does not parse or does not validate against `config_schema` (default: the built-in one).
/// Throws persona::Error (exit 3) when library.yaml cannot be read, as load_library() does.
Config load_config(const std::filesystem::path& root,
                   std::shared_ptr<const schema::Schema> config_schema = nullptr);

/// For `history`: a library holding just the persona `pid` as load_library() would have it in
/// `personas` (its file valid, the rules across files included), and that persona's valid
/// records, in `records` and in `record_files` with their texts. The verdict on every persona
/// file comes from the lean load (`options.keep_content` is set to false; with `cache_dir` it
/// reuses validate's cache); only the persona's own file and records are then read in full.
/// nullopt when no valid persona has this pid: load the library in full to say why.
std::optional<Library> load_one_persona(const std::filesystem::path& root, LoadOptions options,
                                        const std::string& pid);

}  // namespace persona
