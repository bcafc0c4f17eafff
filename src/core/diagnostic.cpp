#include "core/diagnostic.h"

#include <algorithm>
#include <tuple>

namespace persona {

const char* severity_name(Severity s) { return s == Severity::kError ? "error" : "warning"; }

void sort_diagnostics(std::vector<Diagnostic>& ds) {
  auto key = [](const Diagnostic& d) {
    return std::tie(d.file, d.line, d.column, d.code, d.message, d.hint);
  };
  std::stable_sort(ds.begin(), ds.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  ds.erase(std::unique(ds.begin(), ds.end(),
                       [&](const Diagnostic& a, const Diagnostic& b) {
                         return key(a) == key(b) && a.severity == b.severity;
                       }),
           ds.end());
}

std::size_t count_errors(const std::vector<Diagnostic>& ds) {
  return std::count_if(ds.begin(), ds.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

std::size_t count_warnings(const std::vector<Diagnostic>& ds) {
  return ds.size() - count_errors(ds);
}

}  // namespace persona
