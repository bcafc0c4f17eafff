#include "library/cache.h"

#include "core/program_id.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "core/text.h"
#include "library/fields.h"

namespace persona::cache {
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kFormat = 2;  // 2: entries carry the file's stamp
constexpr char kMagic[] = "persona-validate-cache";

// ---------------------------------------------------------------------------------------------
// SipHash-2-4 with 128-bit output (Aumasson and Bernstein's reference algorithm).

inline std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
};

// ---------------------------------------------------------------------------------------------
// The binary's identity: its GNU build id, or failing that the executable's size, time and inode.

std::string binary_identity() { return program_identity(); }

std::string hex(const Digest& d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(d.hi),
                static_cast<unsigned long long>(d.lo));
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Serialization: native byte order (a cache never leaves its machine), every read bounds-checked.

class Out {
 public:
  std::string buf;
  void u8(std::uint8_t v) { buf.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void u64(std::uint64_t v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void i32(int v) { u32(static_cast<std::uint32_t>(v)); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    buf.append(s);
  }
  void diags(const std::vector<Diagnostic>& ds) {
    u32(static_cast<std::uint32_t>(ds.size()));
    for (const auto& d : ds) {
      str(d.code);
      u8(d.severity == Severity::kError ? 0 : 1);
      str(d.file);
      i32(d.line);
      i32(d.column);
      str(d.message);
      str(d.hint);
    }
  }
  void node(const yaml::Node& n) {
    u8(static_cast<std::uint8_t>(n.kind));
    u8(static_cast<std::uint8_t>(n.style));
    i32(n.mark.line);
    i32(n.mark.column);
    i32(n.end.line);
    i32(n.end.column);
    str(n.value);
    u32(static_cast<std::uint32_t>(n.children.size()));
    for (const auto& c : n.children) node(c);
  }
};

class In {
 public:
  explicit In(std::string_view s) : s_(s) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == s_.size(); }
  std::size_t pos() const { return pos_; }
  std::uint8_t u8() {
    std::uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  int i32() { return static_cast<int>(u32()); }
  std::string_view view(std::size_t n) {
    if (!ok_ || n > s_.size() - pos_) {
      ok_ = false;
      return {};
    }
    auto v = s_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::string str() { return std::string(view(u32())); }
  bool diags(std::vector<Diagnostic>& ds) {
    std::uint32_t n = u32();
    if (!ok_ || n > s_.size()) return ok_ = false;
    ds.reserve(n);
    for (std::uint32_t i = 0; i < n && ok_; ++i) {
      Diagnostic d;
      d.code = str();
      d.severity = u8() == 0 ? Severity::kError : Severity::kWarning;
      d.file = str();
      d.line = i32();
      d.column = i32();
      d.message = str();
      d.hint = str();
      ds.push_back(std::move(d));
    }
    return ok_;
  }
  bool node(yaml::Node& n, int depth = 0) {
    if (depth > 256) return ok_ = false;
    std::uint8_t kind = u8(), style = u8();
    if (kind > static_cast<std::uint8_t>(yaml::Kind::kMapping) ||
        style > static_cast<std::uint8_t>(yaml::Style::kBlock))
      return ok_ = false;
    n.kind = static_cast<yaml::Kind>(kind);
    n.style = static_cast<yaml::Style>(style);
    n.mark.line = i32();
    n.mark.column = i32();
    n.end.line = i32();
    n.end.column = i32();
    n.value = str();
    std::uint32_t count = u32();
    if (!ok_ || count > s_.size() - pos_) return ok_ = false;
    n.children.resize(count);
    for (auto& c : n.children)
      if (!node(c, depth + 1)) return false;
    return ok_;
  }

 private:
  void raw(void* dst, std::size_t n) {
    auto v = view(n);
    if (ok_) std::memcpy(dst, v.data(), n);
  }
  std::string_view s_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

/// Entry layout: u32 size of the rest, path, digest, stamp, payload.
void begin_entry(Out& o, const std::string& path, const Digest& d, const Stamp& st) {
  o.u32(0);
  o.str(path);
  o.u64(d.lo);
  o.u64(d.hi);
  for (std::uint64_t v : {st.size, st.mtime_ns, st.ctime_ns, st.ino, st.dev}) o.u64(v);
}

/// Reads what begin_entry() wrote after the size.
void read_entry_head(In& r, std::string* path, Digest& d, Stamp& st) {
  std::string p = r.str();
  if (path) *path = std::move(p);
  d.lo = r.u64();
  d.hi = r.u64();
  for (std::uint64_t* v : {&st.size, &st.mtime_ns, &st.ctime_ns, &st.ino, &st.dev}) *v = r.u64();
}
std::string finish_entry(Out& o) {
  std::uint32_t size = static_cast<std::uint32_t>(o.buf.size() - 4);
  std::memcpy(o.buf.data(), &size, 4);
  return std::move(o.buf);
}

// ---------------------------------------------------------------------------------------------
// Summaries.

bool mentions_pid(const yaml::Node& n) {
  return n.scalar_type() == yaml::ScalarType::kString && n.value.find("APP-") != std::string::npos;
}

/// `n` reduced to the strings that mention a pid, or nullopt when it holds none.
std::optional<yaml::Node> prune(const yaml::Node& n, std::vector<std::pair<int, int>>& spans) {
  yaml::Node out;
  out.kind = n.kind;
  out.style = n.style;
  out.mark = n.mark;
  out.end = n.end;
  bool any = false;
  if (n.is_scalar()) {
    if (!mentions_pid(n)) return std::nullopt;
    out.value = n.value;
    spans.emplace_back(n.mark.line, std::max(n.end.line, n.mark.line));
    return out;
  }
  if (n.is_mapping()) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (auto v = prune(n.val(i), spans)) {
        out.children.push_back(n.key(i));
        out.children.push_back(std::move(*v));
        any = true;
      }
    }
  } else {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      if (auto v = prune(n.children[i], spans)) {
        // Items before this one stay as null placeholders, so its number does not change.
        while (out.children.size() < i) out.children.push_back(yaml::make_plain(""));
        out.children.push_back(std::move(*v));
        kept = i + 1;
        any = true;
      }
    }
    out.children.resize(kept);
  }
  if (!any) return std::nullopt;
  return out;
}

}  // namespace

fs::path default_dir(const std::function<const char*(const char*)>& getenv) {
  auto env = [&](const char* name) -> std::string {
    const char* v = getenv ? getenv(name) : nullptr;
    return v ? v : "";
  };
  std::string off = env("PERSONA_CACHE");
  if (off == "off" || off == "0") return {};
  if (auto d = env("PERSONA_CACHE_DIR"); !d.empty()) return d;
  if (auto x = env("XDG_CACHE_HOME"); !x.empty() && x[0] == '/') return fs::path(x) / "persona";
  if (auto h = env("HOME"); !h.empty()) return fs::path(h) / ".cache" / "persona";
  return {};
}

Digest siphash128(std::string_view data, std::uint64_t k0, std::uint64_t k1) {
  SipState s{0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1,
             0x6c7967656e657261ULL ^ k0, 0x7465646279746573ULL ^ k1};
  s.v1 ^= 0xee;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
  std::size_t blocks = n / 8;
  for (std::size_t i = 0; i < blocks; ++i) {
    std::uint64_t m;
    std::memcpy(&m, p + 8 * i, 8);  // little-endian hosts only read the right way; see note below
    s.v3 ^= m;
    s.round();
    s.round();
    s.v0 ^= m;
  }
  std::uint64_t b = static_cast<std::uint64_t>(n) << 56;
  const unsigned char* tail = p + 8 * blocks;
  for (std::size_t i = 0; i < (n & 7); ++i) b |= static_cast<std::uint64_t>(tail[i]) << (8 * i);
  s.v3 ^= b;
  s.round();
  s.round();
  s.v0 ^= b;
  s.v2 ^= 0xee;
  for (int i = 0; i < 4; ++i) s.round();
  Digest d;
  d.lo = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
  s.v1 ^= 0xdd;
  for (int i = 0; i < 4; ++i) s.round();
  d.hi = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
  // On a big-endian host the words differ from the reference vectors but the function is still a
  // keyed hash of the bytes, which is all the cache needs.
  return d;
}

FileSummary summarize(PersonaFile& f) {
  FileSummary s;
  s.diagnostics = std::move(f.diagnostics);
  if (!f.root) return s;
  const yaml::Node& root = *f.root;
  yaml::Node sk;
  sk.kind = root.kind;
  sk.style = root.style;
  sk.mark = root.mark;
  sk.end = root.end;
  std::vector<std::pair<int, int>> spans;
  for (std::size_t i = 0; i < root.size(); ++i) {
    const yaml::Node& key = root.key(i);
    const yaml::Node& val = root.val(i);
    if (key.value == "pid") {
      yaml::Node v = val;
      if (!v.is_scalar()) v.children.clear();  // only a scalar pid is ever read
      sk.children.push_back(key);
      sk.children.push_back(std::move(v));
    } else if (auto pruned = prune(val, spans)) {
      sk.children.push_back(key);
      sk.children.push_back(std::move(*pruned));
    }
  }
  s.skeleton = std::move(sk);
  if (!spans.empty()) {
    // One pass over the text to the last line needed, keeping the lines the spans cover (as
    // split_lines() cuts them: at '\n', without a trailing '\r').
    std::sort(spans.begin(), spans.end());
    std::string_view text = f.text;
    std::size_t at = 0, next_span = 0;
    int done = 0;
    for (int l = 1; at <= text.size() && next_span < spans.size(); ++l) {
      std::size_t nl = text.find('\n', at);
      bool last = nl == std::string_view::npos;
      if (last && at == text.size()) break;  // split_lines() has no empty last line
      std::string_view line = text.substr(at, last ? std::string_view::npos : nl - at);
      if (!last && !line.empty() && line.back() == '\r') line.remove_suffix(1);
      while (next_span < spans.size() && spans[next_span].second < l) ++next_span;
      if (next_span < spans.size() && spans[next_span].first <= l && l > done) {
        s.lines.emplace_back(l, std::string(line));
        done = l;
      }
      if (last) break;
      at = nl + 1;
    }
  }
  const yaml::Node* pid = root.find("pid");
  s.pid = pid && pid->is_scalar() ? pid->value : std::string();
  for (const auto& def : profile_fields()) {
    const yaml::Node* n = root.find(def.name);
    if (!n) s.fields.push_back(-1);
    else if (def.kind == FieldKind::kText) s.fields.push_back(-2);
    else s.fields.push_back(static_cast<int>(n->children.size()));
  }
  return s;
}

PersonaFile expand(const std::string& path, FileSummary&& s) {
  PersonaFile f;
  f.path = path;
  f.diagnostics = std::move(s.diagnostics);
  f.root = std::move(s.skeleton);
  if (!s.lines.empty()) {
    int line = 1;
    for (const auto& [n, text] : s.lines) {
      for (; line < n; ++line) f.text += '\n';
      f.text += text;
      f.text += '\n';
      ++line;
    }
  }
  return f;
}

Persona shape_persona(const std::string& pid, const std::vector<int>& fields,
                      const std::string& path) {
  Persona p;
  p.file = path;
  p.pid = pid;
  const auto& defs = profile_fields();
  for (std::size_t i = 0; i < defs.size() && i < fields.size(); ++i) {
    std::string name(defs[i].name);
    if (fields[i] == -2) p.text[name];
    else if (fields[i] >= 0) p.lists[name].resize(static_cast<std::size_t>(fields[i]));
  }
  return p;
}

Cache Cache::open(const fs::path& dir, const fs::path& root, const std::string& context) {
  Cache c;
  if (dir.empty()) return c;
  std::string binary = binary_identity();
  if (binary.empty()) return c;
  std::error_code ec;
  std::string where = fs::weakly_canonical(fs::absolute(root, ec), ec).string();
  if (ec) where = root.string();
  c.file_ = dir / (hex(siphash128(where, 0, 0)) + ".cache");
  Out h;
  h.str(kMagic);
  h.u32(kFormat);
  h.str(binary);
  h.str(PERSONA_VERSION);
  h.str(where);
  h.str(hex(siphash128(context, 0, 0)));
  c.header_ = std::move(h.buf);

  try {
    c.data_ = read_file(c.file_);
  } catch (const std::exception&) {
    c.data_.clear();
  }
  bool valid = c.data_.size() >= c.header_.size() + 16 &&
               c.data_.compare(0, c.header_.size(), c.header_) == 0;
  if (valid) {
    In r(std::string_view(c.data_).substr(c.header_.size()));
    c.k0_ = r.u64();
    c.k1_ = r.u64();
    for (auto* table : {&c.personas_, &c.records_}) {
      std::uint32_t count = r.u32();
      for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        std::size_t start = c.header_.size() + r.pos();
        std::uint32_t size = r.u32();
        In e(r.view(size));
        std::string path;
        Slot slot;
        read_entry_head(e, &path, slot.digest, slot.stamp);
        slot.offset = start;
        slot.size = 4 + size;
        if (!e.ok()) r.view(std::string::npos);  // poison the reader
        (*table)[std::move(path)] = slot;
      }
    }
    valid = r.ok() && r.done();
  }
  if (!valid) {
    c.data_.clear();
    c.personas_.clear();
    c.records_.clear();
    std::random_device rd;
    c.k0_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    c.k1_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  return c;
}

std::string_view Cache::persona_bytes(const std::string& path, const Digest& d) const {
  auto it = personas_.find(path);
  if (it == personas_.end() || !(it->second.digest == d)) return {};
  return std::string_view(data_).substr(it->second.offset, it->second.size);
}

std::string_view Cache::record_bytes(const std::string& path, const Digest& d) const {
  auto it = records_.find(path);
  if (it == records_.end() || !(it->second.digest == d)) return {};
  return std::string_view(data_).substr(it->second.offset, it->second.size);
}

std::optional<Digest> Cache::stamped(const std::unordered_map<std::string, Slot>& table,
                                     const std::string& path, const Stamp& stamp) {
  if (stamp.empty()) return std::nullopt;
  auto it = table.find(path);
  if (it == table.end() || !(it->second.stamp == stamp)) return std::nullopt;
  return it->second.digest;
}

std::optional<Digest> Cache::persona_digest(const std::string& path, const Stamp& stamp) const {
  return stamped(personas_, path, stamp);
}
std::optional<Digest> Cache::record_digest(const std::string& path, const Stamp& stamp) const {
  return stamped(records_, path, stamp);
}
bool Cache::persona_stamped(const std::string& path, const Stamp& stamp) const {
  auto it = personas_.find(path);
  return it != personas_.end() && it->second.stamp == stamp;
}
bool Cache::record_stamped(const std::string& path, const Stamp& stamp) const {
  auto it = records_.find(path);
  return it != records_.end() && it->second.stamp == stamp;
}

std::optional<FileSummary> Cache::persona(const std::string& path, const Digest& d) const {
  auto bytes = persona_bytes(path, d);
  if (bytes.empty()) return std::nullopt;
  In r(bytes);
  r.u32();
  Digest skip_d;
  Stamp skip_s;
  read_entry_head(r, nullptr, skip_d, skip_s);
  FileSummary s;
  r.diags(s.diagnostics);
  if (r.u8()) {
    s.skeleton.emplace();
    r.node(*s.skeleton);
  }
  std::uint32_t lines = r.u32();
  for (std::uint32_t i = 0; i < lines && r.ok(); ++i) {
    int n = r.i32();
    s.lines.emplace_back(n, r.str());
  }
  s.pid = r.str();
  std::uint32_t fields = r.u32();
  for (std::uint32_t i = 0; i < fields && r.ok() && i < 64; ++i) s.fields.push_back(r.i32());
  if (!r.ok() || !r.done()) return std::nullopt;
  // Lines must be increasing for expand(); anything else is a corrupt entry.
  for (std::size_t i = 1; i < s.lines.size(); ++i)
    if (s.lines[i].first <= s.lines[i - 1].first) return std::nullopt;
  if (!s.lines.empty() && s.lines.front().first < 1) return std::nullopt;
  return s;
}

std::optional<RecordSummary> Cache::record(const std::string& path, const Digest& d,
                                           const std::string& now) const {
  auto bytes = record_bytes(path, d);
  if (bytes.empty()) return std::nullopt;
  In r(bytes);
  r.u32();
  Digest skip_d;
  Stamp skip_s;
  read_entry_head(r, nullptr, skip_d, skip_s);
  RecordSummary s;
  r.diags(s.diagnostics);
  if (r.u8()) {
    Record rec;
    rec.file = r.str();
    rec.id = r.str();
    rec.pid = r.str();
    rec.kind = r.str();
    rec.field = r.str();
    rec.text = r.str();
    rec.note = r.str();
    rec.author = r.str();
    rec.time = r.str();
    rec.value_hash = r.str();
    s.record = std::move(rec);
  }
  s.now = r.str();
  if (!r.ok() || !r.done()) return std::nullopt;
  // The only check that depends on the clock is "time is in the future": a record that passed it
  // at an earlier `now` passes it now too, unless the clock went backwards.
  if (now < s.now) return std::nullopt;
  for (const auto& diag : s.diagnostics)
    if (diag.code == "record-time") return std::nullopt;
  return s;
}

std::string Cache::encode(const std::string& path, const Digest& d, const Stamp& stamp, const FileSummary& s) {
  Out o;
  begin_entry(o, path, d, stamp);
  o.diags(s.diagnostics);
  o.u8(s.skeleton ? 1 : 0);
  if (s.skeleton) o.node(*s.skeleton);
  o.u32(static_cast<std::uint32_t>(s.lines.size()));
  for (const auto& [n, text] : s.lines) {
    o.i32(n);
    o.str(text);
  }
  o.str(s.pid);
  o.u32(static_cast<std::uint32_t>(s.fields.size()));
  for (int v : s.fields) o.i32(v);
  return finish_entry(o);
}

std::string Cache::encode(const std::string& path, const Digest& d, const Stamp& stamp,
                          const RecordSummary& s) {
  Out o;
  begin_entry(o, path, d, stamp);
  o.diags(s.diagnostics);
  o.u8(s.record ? 1 : 0);
  if (s.record) {
    const Record& r = *s.record;
    for (const std::string* v : {&r.file, &r.id, &r.pid, &r.kind, &r.field, &r.text, &r.note,
                                 &r.author, &r.time, &r.value_hash})
      o.str(*v);
  }
  o.str(s.now);
  return finish_entry(o);
}

void Cache::save(const std::vector<std::string_view>& personas,
                 const std::vector<std::string_view>& records, bool changed) const {
  if (!enabled() || !changed) return;
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  if (ec) return;
  ::chmod(file_.parent_path().c_str(), 0700);
  fs::path tmp = file_;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    Out o;
    o.buf = header_;
    o.u64(k0_);
    o.u64(k1_);
    bool ok = true;
    auto flush = [&] {
      std::size_t off = 0;
      while (ok && off < o.buf.size()) {
        ssize_t n = ::write(fd, o.buf.data() + off, o.buf.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ok = false;
        else off += static_cast<std::size_t>(n);
      }
      o.buf.clear();
    };
    for (const auto* table : {&personas, &records}) {
      std::uint32_t count = 0;
      for (const auto& e : *table) count += e.empty() ? 0 : 1;
      o.u32(count);
      for (const auto& e : *table) {
        o.buf += e;
        if (o.buf.size() > (1 << 20)) flush();
      }
    }
    flush();
    if (::close(fd) != 0) ok = false;
    if (!ok) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file_, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace persona::cache
