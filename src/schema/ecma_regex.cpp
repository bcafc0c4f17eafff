#define PCRE2_CODE_UNIT_WIDTH 8
#include "schema/ecma_regex.h"

#include <pcre2.h>

#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "core/error.h"
#include "core/text.h"

namespace persona::schema {

namespace {

// ECMA-262's \s: WhiteSpace and LineTerminator, as the body of a character class. Written with
// the escapes PCRE2_ALT_BSUX reads (\xhh, \uhhhh).
constexpr std::string_view kSpaces =
    "\\t\\n\\x0b\\f\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";
// ECMA-262's `.`: anything but a LineTerminator.
constexpr std::string_view kDot = "[^\\n\\r\\u2028\\u2029]";

// What a search may cost before it gives up: PCRE2's default match and depth limits, and a heap
// limit far below its default of 20 GiB. A pattern from --schema must not hang validation or
// exhaust memory; the patterns of real schemas stay far below these on values of at most 64 KiB
// (the YAML reader's cap).
constexpr uint32_t kMatchLimit = 10'000'000;
constexpr uint32_t kDepthLimit = 10'000'000;
constexpr uint32_t kHeapLimitKib = 64 * 1024;
constexpr std::size_t kMaxPatternBytes = std::size_t{64} * 1024;

int hex_value(std::string_view s) {
  if (s.size() != 4) return -1;
  int v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/// At `p[i] == '\\'`, a surrogate pair `\uD8xx\uDCxx`: writes it as one code point and returns
/// the index after it; otherwise returns i.
std::size_t surrogate_pair(std::string_view p, std::size_t i, std::string& out) {
  if (p.size() - i < 12 || p.substr(i, 2) != "\\u" || p.substr(i + 6, 2) != "\\u") return i;
  int high = hex_value(p.substr(i + 2, 4));
  int low = hex_value(p.substr(i + 8, 4));
  if (high < 0xD800 || high > 0xDBFF || low < 0xDC00 || low > 0xDFFF) return i;
  int cp = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u{%x}", cp);
  out += buf;
  return i + 12;
}

/// A class body (between '[' or '[^' and ']') copied for PCRE2; `non_space` is set when it
/// holds \S, which is dropped from `body` (PCRE2 cannot negate a set inside a class).
std::size_t class_body(std::string_view p, std::size_t i, std::string& body, bool& non_space) {
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '[') {  // a literal in ECMA-262; PCRE2 would read [:alpha:]
      body += "\\[";
      ++i;
    } else if (p[i] != '\\' || i + 1 >= p.size()) {
      body += p[i++];
    } else if (std::size_t next = surrogate_pair(p, i, body); next != i) {
      i = next;
    } else {
      char e = p[i + 1];
      if (e == 's')
        body += kSpaces;
      else if (e == 'S')
        non_space = true;
      else if (e == 'v')
        body += "\\x0b";
      else
        body += p.substr(i, 2);
      i += 2;
    }
  }
  return i;
}

/// At `p[i] == '['`: the class, rewritten; returns the index after its ']'.
std::size_t char_class(std::string_view p, std::size_t i, std::string& out) {
  ++i;
  bool negated = i < p.size() && p[i] == '^';
  if (negated) ++i;
  std::string body;
  bool non_space = false;
  i = class_body(p, i, body, non_space);
  if (i >= p.size()) {  // unterminated: PCRE2 reports it
    out += negated ? "[^" : "[";
    out += body;
    return i;
  }
  ++i;
  const std::string spaces(kSpaces);
  if (!non_space) {
    out += (negated ? "[^" : "[") + body + "]";
    return i;
  }
  // [body\S] is "in body, or not a space"; [^body\S] is "a space not in body".
  std::string own = body.empty() ? "" : "[" + (body[0] == '^' ? "\\" + body : body) + "]";
  if (!negated)
    out += own.empty() ? "[^" + spaces + "]" : "(?:" + own + "|[^" + spaces + "])";
  else
    out += own.empty() ? "[" + spaces + "]" : "(?:(?!" + own + ")[" + spaces + "])";
  return i;
}

struct CompileContextFree {
  void operator()(pcre2_compile_context* c) const { pcre2_compile_context_free(c); }
};
struct MatchContextFree {
  void operator()(pcre2_match_context* c) const { pcre2_match_context_free(c); }
};
struct MatchDataFree {
  void operator()(pcre2_match_data* d) const { pcre2_match_data_free(d); }
};
using MatchContext = std::unique_ptr<pcre2_match_context, MatchContextFree>;

/// The limits every search runs under; read-only once made, so shared by every thread.
pcre2_match_context* match_context() {
  static const MatchContext context = [] {
    MatchContext c(pcre2_match_context_create(nullptr));
    if (!c) throw io_error("out of memory for a regular expression");
    pcre2_set_match_limit(c.get(), kMatchLimit);
    pcre2_set_depth_limit(c.get(), kDepthLimit);
    pcre2_set_heap_limit(c.get(), kHeapLimitKib);
    return c;
  }();
  return context.get();
}

std::string error_text(int code) {
  PCRE2_UCHAR buf[256];
  if (pcre2_get_error_message(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
  return reinterpret_cast<const char*>(buf);
}

}  // namespace

std::string ecma_to_pcre2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 16);
  std::size_t i = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '[') {
      i = char_class(p, i, out);
    } else if (c == '.') {
      out += kDot;
      ++i;
    } else if (c != '\\' || i + 1 >= p.size()) {
      out += c;
      ++i;
    } else if (std::size_t next = surrogate_pair(p, i, out); next != i) {
      i = next;
    } else {
      char e = p[i + 1];
      if (e == 's')
        out += "[" + std::string(kSpaces) + "]";
      else if (e == 'S')
        out += "[^" + std::string(kSpaces) + "]";
      else if (e == 'v')
        out += "\\x0b";
      else
        out += p.substr(i, 2);
      i += 2;
    }
  }
  return out;
}

struct EcmaRegex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

EcmaRegex::EcmaRegex(std::string_view pattern) : code_(std::make_unique<Code>()) {
  auto fail = [&](const std::string& why) {
    return io_error("pattern " + quote(pattern, 200) +
                    " is not a valid regular expression: " + why);
  };
  if (pattern.size() > kMaxPatternBytes)
    throw fail("longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  std::unique_ptr<pcre2_compile_context, CompileContextFree> context(
      pcre2_compile_context_create(nullptr));
  if (!context) throw io_error("out of memory for a regular expression");
  pcre2_set_compile_extra_options(context.get(), PCRE2_EXTRA_ALT_BSUX);
  const uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ALT_BSUX |
                           PCRE2_ALLOW_EMPTY_CLASS | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_UCP |
                           PCRE2_NEVER_BACKSLASH_C;
  const std::string translated = ecma_to_pcre2(pattern);
  int error = 0;
  PCRE2_SIZE offset = 0;
  code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                              options, &error, &offset, context.get());
  if (!code_->code) throw fail(error_text(error));
}

EcmaRegex::~EcmaRegex() = default;

EcmaRegex::Match EcmaRegex::search(std::string_view subject) const {
  thread_local std::unique_ptr<pcre2_match_data, MatchDataFree> data(
      pcre2_match_data_create(1, nullptr));
  if (!data) throw io_error("out of memory for a regular expression");
  if (subject.data() == nullptr) subject = "";  // PCRE2 10.42 refuses a null subject
  int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                       0, data.get(), match_context());
  if (rc >= 0) return Match::kYes;  // 0: a match, with more groups than the match data holds
  if (rc == PCRE2_ERROR_NOMATCH) return Match::kNo;
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
    return Match::kTooCostly;
  throw io_error("cannot match a regular expression: " + error_text(rc));
}

const EcmaRegex& EcmaRegex::cached(const std::string& pattern) {
  using Map = std::unordered_map<std::string, std::shared_ptr<const EcmaRegex>>;
  thread_local Map mine;
  if (auto it = mine.find(pattern); it != mine.end()) return *it->second;
  static std::mutex mu;
  static Map shared;
  std::shared_ptr<const EcmaRegex> re;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = shared.find(pattern);
    if (it == shared.end())
      it = shared.emplace(pattern, std::make_shared<EcmaRegex>(pattern)).first;
    re = it->second;
  }
  return *mine.emplace(pattern, std::move(re)).first->second;
}

}  // namespace persona::schema
