#include "render/export_manifest.h"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "render/escape.h"
#include "render/export_disk.h"

namespace persona::render::exporting {
namespace fs = std::filesystem;

namespace {

void append_number(std::string& out, std::uint64_t v) {
  char buf[20];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

}  // namespace

std::string hash_text(std::string_view data) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(data.data(), data.size())));
  return buf;
}

/// Reads a manifest in exactly the shape ManifestWriter writes it, byte for byte (one line per
/// file, in path order), without building a JSON tree and without copying a string: the entries
/// point into `s`. False for anything else, which the general parser then reads.
bool parse_manifest_fast(std::string_view s, Manifest& m) {
  const char* p = s.data();
  const char* const end = s.data() + s.size();
  auto is = [&](std::string_view l) {
    if (static_cast<std::size_t>(end - p) < l.size() || std::memcmp(p, l.data(), l.size()) != 0)
      return false;
    p += l.size();
    return true;
  };
  // A string's text, after its opening quote, up to and past its closing one.
  auto str = [&](std::string_view& v) {
    auto close = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
    if (!close) return false;
    v = std::string_view(p, static_cast<std::size_t>(close - p));
    p = close + 1;
    // Escapes and control characters are left to the general parser.
    return json_plain(v);
  };
  auto num = [&](std::uint64_t& v) {
    const char* start = p;
    v = 0;
    while (p < end && *p >= '0' && *p <= '9' && p - start < 19)
      v = v * 10 + static_cast<std::uint64_t>(*p++ - '0');
    return p > start && (p == end || *p < '0' || *p > '9');
  };
  std::string_view v;
  std::uint64_t format = 0;
  if (!is("{\n  \"format\": ") || !num(format) || format != kManifestFormat ||
      !is(",\n  \"generator\": \"") || !str(v) || !is(",\n  \"renderer\": \"") ||
      !str(m.renderer) || !is(",\n"))
    return false;
  if (is("  \"state\": {\"file\": \"")) {
    if (!str(v) || v != kStateFile || !is(", \"size\": ") || !num(m.state_size) ||
        !is(", \"hash\": \"") || !str(m.state_hash) || !is("},\n"))
      return false;
  }
  if (!is("  \"files\": {")) return false;
  // A line is about 150 bytes.
  m.files.reserve(s.size() / 128);
  if (!is("}")) {
    do {
      Entry e;
      if (!is("\n    \"") || !str(e.path) ||
          (!m.files.empty() && !(m.files.back().path < e.path)) || !is(": [\"") || !str(e.blob) ||
          !is(", ") || !num(e.stat.size) || !is(", ") || !num(e.stat.mtime_ns) || !is(", ") ||
          !num(e.stat.ino) || (is(", \"") && (!str(e.key) || e.key.empty())) || !is("]"))
        return false;
      m.files.push_back(e);
    } while (is(","));
    if (!is("\n  }")) return false;
  }
  return is("\n}\n") && p == end;
}

/// Reads a manifest of the current format with a JSON parser, keeping the strings it unescapes
/// in `owned`; false when it is not one.
bool parse_manifest_json(const std::string& text, Manifest& m, std::deque<std::string>& owned) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto keep = [&](std::string s) -> std::string_view { return owned.emplace_back(std::move(s)); };
  try {
    auto format = j.find("format");
    if (format == j.end() || *format != kManifestFormat) return false;
    if (j.contains("renderer") && j["renderer"].is_string())
      m.renderer = keep(j["renderer"].get<std::string>());
    auto files = j.find("files");
    if (files == j.end() || !files->is_object()) return false;
    // An object's members come in path order.
    for (auto& [path, v] : files->items()) {
      // [blob, size, mtime, inode] and the input key, if any.
      if (!v.is_array() || v.size() < 4 || v.size() > 5 || !v[0].is_string() ||
          !v[1].is_number_unsigned() || !v[2].is_number_unsigned() || !v[3].is_number_unsigned() ||
          (v.size() == 5 && !v[4].is_string()))
        continue;
      Entry e;
      e.path = keep(path);
      e.blob = keep(std::move(v[0].get_ref<std::string&>()));
      e.stat = {v[1].get<std::uint64_t>(), v[2].get<std::uint64_t>(), v[3].get<std::uint64_t>()};
      if (v.size() == 5) e.key = keep(std::move(v[4].get_ref<std::string&>()));
      m.files.push_back(e);
    }
    auto state = j.find("state");
    if (state != j.end() && state->is_object() && (*state)["size"].is_number_unsigned() &&
        (*state)["hash"].is_string()) {
      m.state_size = (*state)["size"].get<std::uint64_t>();
      m.state_hash = keep((*state)["hash"].get<std::string>());
    }
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return std::adjacent_find(m.files.begin(), m.files.end(), [](const Entry& a, const Entry& b) {
           return !(a.path < b.path);
         }) == m.files.end();
}

/// Fills `prev` with the previous export in `out`. A damaged, foreign or older manifest still
/// marks an export; it just lists nothing, so everything is made again. Keys and the state are
/// used only when the same program made them, and the state only when it is the very one the
/// manifest describes.
void read_previous(const fs::path& out, Previous& prev) {
  std::optional<FileStat> st;
  std::error_code ec;
  if (!read_whole(out / kManifestFile, prev.text, &st)) {
    prev.found = fs::is_regular_file(fs::symlink_status(out / kManifestFile, ec));
    return;
  }
  prev.found = true;
  prev.written_ns = st->mtime_ns;
  Manifest m;
  if (!parse_manifest_fast(prev.text, m)) {
    m = Manifest();
    if (!parse_manifest_json(prev.text, m, prev.owned)) return;
  }
  bool same_renderer = !renderer_id().empty() && m.renderer == renderer_id();
  if (!same_renderer)
    for (auto& e : m.files) e.key = {};
  prev.files = std::move(m.files);
  std::string data;
  if (same_renderer && m.state_size > 0 && read_whole(out / kStateFile, data) &&
      data.size() == m.state_size && hash_text(data) == m.state_hash)
    prev.state = std::move(data);
}

ManifestWriter::ManifestWriter(std::string_view renderer, std::size_t files_hint) {
  text_ = "{\n  \"format\": ";
  text_.reserve(512 + files_hint * 160);
  append_number(text_, kManifestFormat);
  text_ += ",\n  \"generator\": \"persona export\",\n  \"renderer\": ";
  append_json_string(text_, renderer);
  text_ += ",\n";
}

void ManifestWriter::state(std::string_view bytes) {
  text_ += "  \"state\": {\"file\": ";
  append_json_string(text_, kStateFile);
  text_ += ", \"size\": ";
  append_number(text_, bytes.size());
  text_ += ", \"hash\": \"" + hash_text(bytes) + "\"},\n";
}

void ManifestWriter::file(const Entry& e) {
  if (first_) text_ += "  \"files\": {";
  text_ += first_ ? "\n    " : ",\n    ";
  first_ = false;
  append_json_string(text_, e.path);
  text_ += ": [";
  append_json_string(text_, e.blob);
  text_ += ", ";
  append_number(text_, e.stat.size);
  text_ += ", ";
  append_number(text_, e.stat.mtime_ns);
  text_ += ", ";
  append_number(text_, e.stat.ino);
  if (!e.key.empty()) {
    text_ += ", ";
    append_json_string(text_, e.key);
  }
  text_ += ']';
}

std::string ManifestWriter::finish() {
  text_ += first_ ? "  \"files\": {}" : "\n  }";
  text_ += "\n}\n";
  return std::move(text_);
}

}  // namespace persona::render::exporting
