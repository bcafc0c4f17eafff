// The YAML reader (yaml/tree.h) on any bytes: it must never crash, hang or leak, and it either
// gives a tree with no error or refuses with at least one error, every one placed in the file.
#include "core/diagnostic.h"
#include "fuzz.h"
#include "yaml/tree.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace persona;
  std::string text = fuzz::text_of(data, size);
  yaml::ParseResult r = yaml::parse(text, "fuzz.yaml");
  std::size_t errors = count_errors(r.diagnostics);
  if (r.root.has_value() == (errors > 0))
    fuzz::violated("a tree comes with no error, a refusal with one");
  if (r.root && !r.root->is_mapping()) fuzz::violated("the root of a tree is a mapping");
  for (const Diagnostic& d : r.diagnostics) {
    if (d.line < 0 || d.column < 0)
      fuzz::violated("a diagnostic's position is in the file", d.message);
    if (d.message.empty()) fuzz::violated("a diagnostic says what is wrong", d.code);
  }
  return 0;
}
