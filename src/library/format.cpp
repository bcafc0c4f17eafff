#include "library/format.h"

#include <unistd.h>

#include <fstream>

#include "core/error.h"
#include "core/text.h"
#include "yaml/emit.h"

namespace persona {
namespace fs = std::filesystem;

yaml::Node canonical_order(const yaml::Node& root, const schema::Schema& schema) {
  if (!root.is_mapping()) return root;
  yaml::Node out = yaml::make_mapping();
  std::vector<bool> used(root.size(), false);
  for (const auto& key : schema.property_order()) {
    for (std::size_t i = 0; i < root.size(); ++i) {
      if (!used[i] && root.key(i).value == key) {
        out.children.push_back(root.key(i));
        out.children.push_back(root.val(i));
        used[i] = true;
      }
    }
  }
  for (std::size_t i = 0; i < root.size(); ++i) {
    if (!used[i]) {
      out.children.push_back(root.key(i));
      out.children.push_back(root.val(i));
    }
  }
  return out;
}

std::string schema_modeline(const std::string& rel_path) {
  std::string up;
  for (char c : rel_path)
    if (c == '/') up += "../";
  return "# yaml-language-server: $schema=" + up + "schema/persona.schema.json";
}

FormatResult format_persona(const std::string& rel_path, const std::string& text,
                            const schema::Schema& schema, bool in_library, std::size_t file_size) {
  FormatResult r;
  auto parsed = yaml::parse(text, rel_path, {}, file_size);
  if (!parsed.root) {
    r.diagnostics = std::move(parsed.diagnostics);
    return r;
  }
  if (auto c = yaml::find_inner_comment(text, *parsed.root)) {
    r.diagnostics.push_back(Diagnostic{
        "fmt-comment", Severity::kError, rel_path, c->line, c->column,
        "comment would be lost by formatting; the file is left as it is",
        "only comment lines at the top of the file are kept; move it there or remove it"});
    return r;
  }
  auto header = yaml::leading_comments(text);
  if (header.empty() && in_library) header.push_back(schema_modeline(rel_path));
  yaml::Emitted out = yaml::try_emit(canonical_order(*parsed.root, schema), header);
  if (!out.text) {
    r.diagnostics.push_back(Diagnostic{
        "fmt-unrepresentable", Severity::kError, rel_path, out.at.line, out.at.column,
        "value cannot be written in canonical form: " + out.problem + "; the file is left as it is",
        "please report this with the file; write the value another way meanwhile"});
    return r;
  }
  r.text = std::move(out.text);
  return r;
}

void write_file_atomic(const fs::path& path, const std::string& data) {
  fs::path tmp = path;
  tmp += ".persona-tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw io_error("cannot write " + quote(tmp.string(), 200));
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw io_error("cannot write " + quote(tmp.string(), 200));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw io_error("cannot replace " + quote(path.string(), 200) + ": " + ec.message());
  }
}

}  // namespace persona
