#include "library/partial_load.h"

namespace persona {
namespace fs = std::filesystem;

Config load_config(const fs::path& root, std::shared_ptr<const schema::Schema> config_schema) {
  return load_config_file(root, std::move(config_schema)).config;
}

std::optional<Library> load_one_persona(const fs::path& root, LoadOptions options,
                                        const std::string& pid) {
  options.keep_content = false;
  Library lean = load_library(root, options);
  // At most one valid file has a given pid: any later file with it has a duplicate-pid error.
  const PersonaFile* found = nullptr;
  for (const auto& f : lean.files) {
    if (!f.ok()) continue;
    const yaml::Node* n = f.root->find("pid");
    if (n && n->is_scalar() && n->value == pid) {
      found = &f;
      break;
    }
  }
  if (!found) return std::nullopt;
  auto schema = options.schema ? options.schema : schema::Schema::builtin("persona");
  yaml::Limits limits;
  PersonaFile full = check_persona_text(
      found->path, read_file(root / found->path, limits.max_file_bytes), *schema, true);
  // The same checks passed a moment ago; a file changed since is left to the full load.
  if (count_errors(full.diagnostics) != count_errors(found->diagnostics) || !full.root)
    return std::nullopt;
  Library lib;
  lib.root = root;
  lib.config = lean.config;
  lib.config_text = lean.config_text;
  lib.personas.push_back(build_persona(full));
  if (lib.personas.front().pid != pid) return std::nullopt;
  for (auto& r : lean.records) {
    if (r.pid != pid) continue;
    RecordFile f;
    f.path = r.file;
    f.text = read_file(root / r.file, limits.max_file_bytes);
    f.record = r;
    lib.record_files.push_back(std::move(f));
    lib.records.push_back(std::move(r));
  }
  return lib;
}

}  // namespace persona
