// persona: the command-line entry point. Everything else lives in persona_core.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/runtime.h"
#include "core/error.h"
#include "core/untrusted.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(true);
  persona::cli::Runtime rt(std::cout, std::cerr, [](const char* n) { return std::getenv(n); });
  int code;
  try {
    code = persona::cli::run(argc, argv, rt);
  } catch (const persona::Error& e) {
    std::cout.flush();
    // Messages quote what users and files wrote: never a control character to the terminal.
    std::cerr << "persona: error: " << persona::terminal_safe(e.what()) << "\n";
    if (!e.hint().empty()) std::cerr << "hint: " << persona::terminal_safe(e.hint()) << "\n";
    code = e.code();
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "persona: internal error: " << persona::terminal_safe(e.what()) << "\n";
    code = persona::kExitIo;
  }
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0) {
    std::cerr << "persona: error: cannot write to standard output\n";
    return persona::kExitIo;
  }
  return code;
}
