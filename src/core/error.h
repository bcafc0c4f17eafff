#pragma once
/// Operational failures (I/O, git, usage) are thrown as persona::Error and caught once in main.
/// Problems in *content* are never thrown: they are Diagnostic values (see diagnostic.h).
#include <stdexcept>
#include <string>

namespace persona {

/// Process exit codes, shared by every command.
enum ExitCode : int {
  kExitOk = 0,        ///< nothing wrong
  kExitProblems = 1,  ///< content problems were found (diagnostics with severity error)
  kExitUsage = 2,     ///< bad command line
  kExitIo = 3,        ///< I/O, repository or environment failure
};

/// The one exception type of the project. `what()` is a git-style message: lowercase, subject
/// quoted, no final period. `hint` (optional) is printed on a second line.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message, std::string hint = {})
      : std::runtime_error(message), code_(code), hint_(std::move(hint)) {}
  ExitCode code() const { return code_; }
  const std::string& hint() const { return hint_; }

 private:
  ExitCode code_;
  std::string hint_;
};

inline Error io_error(const std::string& m, std::string hint = {}) {
  return Error(kExitIo, m, std::move(hint));
}
inline Error usage_error(const std::string& m, std::string hint = {}) {
  return Error(kExitUsage, m, std::move(hint));
}

}  // namespace persona
