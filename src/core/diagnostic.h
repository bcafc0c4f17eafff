#pragma once
/// A problem found in content: a value with a stable rule code and a source position. Collected,
/// sorted and printed by report.h; never thrown.
#include <string>
#include <vector>

namespace persona {

enum class Severity { kError, kWarning };

struct Diagnostic {
  std::string code;  ///< stable rule code, e.g. "schema-type", "duplicate-pid"
  Severity severity = Severity::kError;
  std::string file;     ///< path as shown to the user (relative to the library root if inside)
  int line = 0;         ///< 1-based; 0 when the problem has no position (e.g. a missing file)
  int column = 0;       ///< 1-based, in characters
  std::string message;  ///< git style: lowercase start, subject quoted, no final period
  std::string hint;     ///< optional help, e.g. "did you mean 'identity'?"
};

const char* severity_name(Severity s);

/// Sorts by file, line, column, then code and message, and drops exact duplicates.
void sort_diagnostics(std::vector<Diagnostic>& ds);

std::size_t count_errors(const std::vector<Diagnostic>& ds);
std::size_t count_warnings(const std::vector<Diagnostic>& ds);

}  // namespace persona
