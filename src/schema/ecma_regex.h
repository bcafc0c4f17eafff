#pragma once
/// JSON Schema's "pattern": an ECMA-262 regular expression, read as ajv reads it (the `u` flag:
/// the subject is a sequence of code points), compiled by PCRE2 in UTF mode. The only module
/// that uses PCRE2.
///
/// PCRE2 and ECMA-262 share their syntax but not every meaning; ecma_to_pcre2() rewrites the
/// constructs whose meaning differs so that PCRE2 gives ECMA-262's answer:
///   - `.` matches any code point but the line terminators \n, \r, U+2028 and U+2029;
///   - `\s` and `\S` are ECMA-262's WhiteSpace and LineTerminator (Unicode spaces, U+FEFF), while
///     `\d`, `\w` and `\b` stay ASCII (PCRE2 without UCP);
///   - `\v` is U+000B alone, not PCRE2's class of vertical spaces;
///   - `\uD83D\uDE00` (a surrogate pair) is the one code point U+1F600;
///   - `[` inside a class is a literal; `[]` matches nothing and `[^]` any code point;
///   - `$` matches at the very end only, never before a final newline; `\uhhhh`, `\u{h...}` and
///     `\xhh` are ECMA-262's escapes (PCRE2_ALT_BSUX).
/// Syntax only PCRE2 knows (possessive quantifiers, `\A`, ...) is accepted rather than refused.
#include <memory>
#include <string>
#include <string_view>

namespace persona::schema {

/// The PCRE2 pattern that means what the ECMA-262 `pattern` means (see above).
std::string ecma_to_pcre2(std::string_view pattern);

/// One compiled pattern. Immutable after construction; search() may be called from several
/// threads at once (each thread has its own PCRE2 match data).
class EcmaRegex {
 public:
  enum class Match { kNo, kYes, kTooCostly };

  /// Compiles `pattern`; throws persona::Error naming the pattern and the problem when it is
  /// not a valid regular expression.
  explicit EcmaRegex(std::string_view pattern);
  ~EcmaRegex();
  EcmaRegex(const EcmaRegex&) = delete;
  EcmaRegex& operator=(const EcmaRegex&) = delete;

  /// Whether the pattern matches anywhere in `subject` (UTF-8). kTooCostly when the match gave
  /// up at PCRE2's match, depth or heap limit: a pattern that backtracks catastrophically on
  /// this subject is stopped rather than left to hang validation.
  Match search(std::string_view subject) const;

  /// The compiled form of `pattern`, compiled once per process and shared by every thread.
  /// Throws as the constructor does.
  static const EcmaRegex& cached(const std::string& pattern);

 private:
  struct Code;
  std::unique_ptr<Code> code_;
};

}  // namespace persona::schema
