// The whole validation of one persona file (library/library.h check_persona_text: YAML, schema,
// per-file rules) on any bytes, then the model of a file that passes and the text report of one
// that does not: no crash, no hang, no leak, no undefined behaviour.
#include "core/diagnostic.h"
#include "fuzz.h"
#include "library/library.h"
#include "schema/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace persona;
  static const auto schema = schema::Schema::builtin("persona");
  PersonaFile f = check_persona_text("personas/acme/acme-tester.yaml", fuzz::text_of(data, size),
                                     *schema, true);
  if (f.ok()) {
    Persona p = build_persona(f);
    if (p.pid.empty() || p.name.empty())
      fuzz::violated("a valid persona has a pid and a name", f.text);
    (void)p.addressable();
    (void)p.canonical_path();
  } else if (count_errors(f.diagnostics) == 0 && f.root) {
    fuzz::violated("a file that is not ok has an error");
  }
  for (const Diagnostic& d : f.diagnostics)
    if (d.message.empty() || d.line < 0 || d.column < 0)
      fuzz::violated("every diagnostic is placed and says something", d.code);
  return 0;
}
