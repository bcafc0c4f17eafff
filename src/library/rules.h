#pragma once
/// Library rules: what a JSON Schema cannot express. Each rule has a stable code:
///   path-mismatch, name-app-mismatch, template-text, truncated-text, jtbd-form,
///   duplicate-item, empty-string (per file); duplicate-pid, unresolved-reference (across files).
#include <vector>

#include "core/diagnostic.h"
#include "library/library.h"

namespace persona {

/// Rules that look at one parsed file. `check_path` is false for loose files.
std::vector<Diagnostic> file_rules(const PersonaFile& f, bool check_path);

/// Rules across the library (duplicate pids, references to pids that do not exist).
std::vector<Diagnostic> library_rules(const std::vector<PersonaFile>& files);

/// Where `needle` first occurs inside the source of `node`, or the node's own position.
yaml::Mark locate(const std::string& text, const yaml::Node& node, std::string_view needle);

}  // namespace persona
