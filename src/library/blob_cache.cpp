#include "library/blob_cache.h"

#include <cstdio>

#include "core/program_id.h"
#include "core/text.h"
#include "library/cache.h"
#include "library/format.h"
#include "library/library.h"

namespace persona {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kIdSize = 40;
/// Beyond this many entries the file starts again empty (it only grows with new blobs).
constexpr std::size_t kMaxEntries = 200'000;

bool is_hex_id(std::string_view s) {
  if (s.size() != kIdSize) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

BlobValueCache BlobValueCache::open(const fs::path& dir, std::string_view kind,
                                    const fs::path& repository) {
  BlobValueCache c;
  if (dir.empty()) return c;
  const std::string& program = program_identity();
  if (program.empty()) return c;
  std::error_code ec;
  std::string where = fs::weakly_canonical(fs::absolute(repository, ec), ec).string();
  if (ec) where = repository.string();
  auto d = cache::siphash128(where, 0, 0);
  c.file_ = dir / ("blobs-" + std::string(kind) + "-" + hex64(d.hi) + hex64(d.lo) + ".cache");
  c.header_ = "persona blob values 1\n" + program + "\n" PERSONA_VERSION "\n" + std::string(kind) +
              "\n" + where + "\n";
  std::string data;
  try {
    data = read_file(c.file_);
  } catch (const std::exception&) {
    return c;
  }
  if (data.compare(0, c.header_.size(), c.header_) != 0) return c;
  std::string_view rest = std::string_view(data).substr(c.header_.size());
  std::unordered_map<std::string, std::string> values;
  while (!rest.empty()) {
    std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return c;  // truncated: start again
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line.size() < kIdSize + 1 || line[kIdSize] != ' ' || !is_hex_id(line.substr(0, kIdSize)))
      return c;  // corrupt: start again
    values.emplace(std::string(line.substr(0, kIdSize)), std::string(line.substr(kIdSize + 1)));
  }
  c.values_ = std::move(values);
  return c;
}

const std::string* BlobValueCache::find(const std::string& blob) const {
  auto it = values_.find(blob);
  return it == values_.end() ? nullptr : &it->second;
}

void BlobValueCache::put(const std::string& blob, std::string value) {
  if (!enabled() || !is_hex_id(blob) || value.find('\n') != std::string::npos) return;
  if (values_.size() >= kMaxEntries) values_.clear();
  auto [it, fresh] = values_.emplace(blob, std::move(value));
  if (fresh) changed_ = true;
}

void BlobValueCache::save() const {
  if (!enabled() || !changed_) return;
  std::string out = header_;
  out.reserve(header_.size() + values_.size() * (kIdSize + 16));
  for (const auto& [id, value] : values_) {
    out += id;
    out += ' ';
    out += value;
    out += '\n';
  }
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  try {
    write_file_atomic(file_, out);
  } catch (const std::exception&) {
    // A cache that cannot be written is no cache: the command's result is the same.
  }
}

}  // namespace persona
