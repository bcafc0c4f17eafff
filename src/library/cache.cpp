#include "library/cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "core/program_id.h"
#include "core/text.h"
#include "library/fields.h"

namespace persona::cache {
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kFormat = 3;  // 2: entries carry the file's stamp; 3: mentions, no skeleton
constexpr char kMagic[] = "persona-validate-cache";

// ---------------------------------------------------------------------------------------------
// SipHash-2-4 with 128-bit output (Aumasson and Bernstein's reference algorithm).

inline std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
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
  /// A node without its children: a summary's head is a mapping and its `pid` entry, nothing
  /// deeper.
  void flat(const yaml::Node& n) {
    u8(static_cast<std::uint8_t>(n.kind));
    u8(static_cast<std::uint8_t>(n.style));
    i32(n.mark.line);
    i32(n.mark.column);
    i32(n.end.line);
    i32(n.end.column);
    str(n.value);
  }
};

/// Reads what Out wrote. A read past the end fails, and so does every read after it (they return
/// zeros and empty views): a decoder checks ok() once at the end, not after each read.
class In {
 public:
  explicit In(std::string_view s) : s_(s) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == s_.size(); }
  std::size_t pos() const { return pos_; }
  std::uint8_t u8() { return get<std::uint8_t>(); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  int i32() { return static_cast<int>(u32()); }
  std::string_view view(std::size_t n) {
    if (n > s_.size() - pos_) {
      fail();
      return {};
    }
    std::string_view v(s_.data() + pos_, n);
    pos_ += n;
    return v;
  }
  void skip(std::size_t n) { view(n); }
  /// Marks the input bad: nothing more can be read from it.
  void fail() {
    ok_ = false;
    pos_ = s_.size();
  }
  std::string str() { return std::string(view(u32())); }
  bool diags(std::vector<Diagnostic>& ds) {
    std::uint32_t n = u32();
    if (!ok_ || n > s_.size()) return bad();
    ds.reserve(n);
    for (std::uint32_t i = 0; i < n && ok_; ++i) {
      Diagnostic& d = ds.emplace_back();
      d.code = str();
      std::uint8_t severity = u8();
      if (severity > 1) return bad();
      d.severity = severity == 0 ? Severity::kError : Severity::kWarning;
      d.file = str();
      d.line = i32();
      d.column = i32();
      d.message = str();
      d.hint = str();
    }
    return ok_;
  }
  bool flat(yaml::Node& n) {
    std::uint8_t kind = u8(), style = u8();
    if (kind > static_cast<std::uint8_t>(yaml::Kind::kMapping) ||
        style > static_cast<std::uint8_t>(yaml::Style::kBlock))
      return bad();
    n.kind = static_cast<yaml::Kind>(kind);
    n.style = static_cast<yaml::Style>(style);
    n.mark.line = i32();
    n.mark.column = i32();
    n.end.line = i32();
    n.end.column = i32();
    n.value.assign(view(u32()));
    return ok_;
  }

 private:
  bool bad() {
    fail();
    return false;
  }
  template <typename T>
  T get() {
    T v{};
    if (sizeof v > s_.size() - pos_) {
      fail();
      return v;
    }
    std::memcpy(&v, s_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
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

/// Reads what begin_entry() wrote after the size; returns the path.
std::string_view read_entry_head(In& r, Digest& d, Stamp& st) {
  std::string_view path = r.view(r.u32());
  d.lo = r.u64();
  d.hi = r.u64();
  for (std::uint64_t* v : {&st.size, &st.mtime_ns, &st.ctime_ns, &st.ino, &st.dev}) *v = r.u64();
  return path;
}

/// Moves past the size and what begin_entry() wrote, to the payload.
void skip_entry_head(In& r) {
  r.skip(4);
  r.skip(r.u32());
  r.skip(2 * 8 + 5 * 8);  // digest, stamp
}
std::string finish_entry(Out& o) {
  std::uint32_t size = static_cast<std::uint32_t>(o.buf.size() - 4);
  std::memcpy(o.buf.data(), &size, 4);
  return std::move(o.buf);
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
  SipState s{0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1, 0x6c7967656e657261ULL ^ k0,
             0x7465646279746573ULL ^ k1};
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
  yaml::Node& head = s.head.emplace();
  head.kind = root.kind;
  head.style = root.style;
  head.mark = root.mark;
  head.end = root.end;
  for (std::size_t i = 0; i < root.size(); ++i) {
    if (root.key(i).value != "pid") continue;
    yaml::Node v = root.val(i);
    if (!v.is_scalar()) v.children.clear();  // only a scalar pid is ever read
    head.children.push_back(root.key(i));
    head.children.push_back(std::move(v));
  }
  s.mentions = mentions_of(f);
  for (const auto& def : profile_fields()) {
    const yaml::Node* n = root.find(def.name);
    if (!n)
      s.fields.push_back(-1);
    else if (def.kind == FieldKind::kText)
      s.fields.push_back(-2);
    else
      s.fields.push_back(static_cast<int>(n->children.size()));
  }
  return s;
}

Persona shape_persona(const std::string& pid, const std::vector<int>& fields,
                      const std::string& path) {
  Persona p;
  p.file = path;
  p.pid = pid;
  const auto& defs = profile_fields();
  for (std::size_t i = 0; i < defs.size() && i < fields.size(); ++i) {
    std::string name(defs[i].name);
    if (fields[i] == -2)
      p.text[name];
    else if (fields[i] >= 0)
      p.lists[name].resize(static_cast<std::size_t>(fields[i]));
  }
  return p;
}

namespace {

/// The whole file at `path`, or nullptr (with size 0) when it cannot be read whole.
std::unique_ptr<char[]> read_whole(const fs::path& path, std::size_t& size) {
  size = 0;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
    return nullptr;
  std::size_t want = static_cast<std::size_t>(st.st_size);
  auto buf = std::make_unique_for_overwrite<char[]>(want);
  std::size_t got = 0;
  while (got < want) {
    ssize_t n = ::read(fd.get(), buf.get() + got, want - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;  // an error, or shorter than it was a moment ago
    got += static_cast<std::size_t>(n);
  }
  size = got;
  return buf;
}

}  // namespace

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

  std::size_t size = 0;
  c.data_ = read_whole(c.file_, size);
  std::string_view data(c.data_.get(), size);
  bool valid =
      data.size() >= c.header_.size() + 16 && data.substr(0, c.header_.size()) == c.header_;
  if (valid) {
    In r(data.substr(c.header_.size()));
    c.k0_ = r.u64();
    c.k1_ = r.u64();
    for (auto* table : {&c.personas_, &c.records_}) {
      std::uint32_t count = r.u32();
      if (!r.ok() || count > data.size()) break;
      table->reserve(count);
      for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        std::size_t start = c.header_.size() + r.pos();
        std::uint32_t size_of_rest = r.u32();
        In e(r.view(size_of_rest));
        Entry entry;
        entry.path = read_entry_head(e, entry.digest, entry.stamp);
        entry.bytes = data.substr(start, 4 + std::size_t{size_of_rest});
        if (!e.ok()) r.fail();
        table->push_back(entry);
      }
      auto by_path = [](const Entry& a, const Entry& b) { return a.path < b.path; };
      if (!std::is_sorted(table->begin(), table->end(), by_path))
        std::sort(table->begin(), table->end(), by_path);
    }
    valid = r.ok() && r.done();
  }
  if (!valid) {
    c.data_.reset();
    c.personas_.clear();
    c.records_.clear();
    std::random_device rd;
    c.k0_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    c.k1_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  return c;
}

namespace {
const Cache::Entry* find_entry(const std::vector<Cache::Entry>& table, std::string_view path,
                               std::size_t hint) {
  if (hint < table.size() && table[hint].path == path) return &table[hint];
  auto it = std::lower_bound(table.begin(), table.end(), path,
                             [](const Cache::Entry& e, std::string_view p) { return e.path < p; });
  return it != table.end() && it->path == path ? &*it : nullptr;
}
}  // namespace

const Cache::Entry* Cache::persona_entry(std::string_view path, std::size_t hint) const {
  return find_entry(personas_, path, hint);
}

const Cache::Entry* Cache::record_entry(std::string_view path, std::size_t hint) const {
  return find_entry(records_, path, hint);
}

std::optional<FileSummary> Cache::persona(const Entry& e) {
  In r(e.bytes);
  skip_entry_head(r);
  std::optional<FileSummary> out(std::in_place);  // returned as it is, not moved
  FileSummary& s = *out;
  r.diags(s.diagnostics);
  std::uint8_t parsed = r.u8();
  if (parsed > 1) return std::nullopt;
  if (parsed) {
    // The head is a mapping of the `pid` entry alone, as summarize() makes it.
    yaml::Node& head = s.head.emplace();
    std::uint8_t children = 0;
    if (!r.flat(head) || !head.is_mapping() || (children = r.u8()) > 2 || children == 1)
      return std::nullopt;
    head.children.resize(children);
    for (auto& c : head.children)
      if (!r.flat(c)) return std::nullopt;
    if (children && (!head.key(0).is_scalar() || head.key(0).value != "pid")) return std::nullopt;
  }
  auto mentions = Mentions::from_bytes(r.view(r.u32()));
  if (!mentions) return std::nullopt;
  s.mentions = std::move(*mentions);
  std::uint32_t fields = r.u32();
  if (fields > 64) return std::nullopt;
  std::string_view shape = r.view(fields * sizeof(int));
  if (!r.ok() || !r.done()) return std::nullopt;
  s.fields.resize(fields);
  if (fields) std::memcpy(s.fields.data(), shape.data(), shape.size());  // data() may be null
  return out;
}

std::optional<RecordSummary> Cache::record(const Entry& e, const std::string& now) {
  In r(e.bytes);
  skip_entry_head(r);
  std::optional<RecordSummary> out(std::in_place);  // returned as it is, not moved
  RecordSummary& s = *out;
  r.diags(s.diagnostics);
  std::uint8_t has_record = r.u8();
  if (has_record > 1) return std::nullopt;
  if (has_record) {
    Record& rec = s.record.emplace();
    for (std::string* v : {&rec.file, &rec.id, &rec.pid, &rec.kind, &rec.field, &rec.text,
                           &rec.note, &rec.author, &rec.time, &rec.value_hash})
      v->assign(r.view(r.u32()));
  }
  s.now = r.str();
  if (!r.ok() || !r.done()) return std::nullopt;
  // The only check that depends on the clock is "time is in the future": a record that passed it
  // at an earlier `now` passes it now too, unless the clock went backwards.
  if (now < s.now) return std::nullopt;
  for (const auto& diag : s.diagnostics)
    if (diag.code == "record-time") return std::nullopt;
  return out;
}

std::string Cache::encode(const std::string& path, const Digest& d, const Stamp& stamp,
                          const FileSummary& s) {
  Out o;
  begin_entry(o, path, d, stamp);
  o.diags(s.diagnostics);
  o.u8(s.head ? 1 : 0);
  if (s.head) {
    o.flat(*s.head);
    o.u8(static_cast<std::uint8_t>(s.head->children.size()));
    for (const auto& c : s.head->children) o.flat(c);
  }
  o.str(s.mentions.bytes());
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
        if (n <= 0)
          ok = false;
        else
          off += static_cast<std::size_t>(n);
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
