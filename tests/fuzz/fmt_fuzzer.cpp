// The `fmt` round trip (library/format.h) on any bytes. Properties, for every input fmt accepts:
// the canonical text reads back without error to the same values (the same JSON document), and
// it is a fixed point (formatting it again changes nothing).
#include "fuzz.h"
#include "library/format.h"
#include "schema/schema.h"
#include "yaml/tree.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace persona;
  static const auto schema = schema::Schema::builtin("persona");
  const std::string path = "personas/acme/acme-tester.yaml";
  std::string text = fuzz::text_of(data, size);
  FormatResult once = format_persona(path, text, *schema, true);
  if (!once.text) return 0;
  auto before = yaml::parse(text, path);
  if (!before.root) fuzz::violated("fmt accepts only what the reader reads");
  auto after = yaml::parse(*once.text, path);
  if (!after.root) fuzz::violated("the canonical text reads back", *once.text);
  if (schema::to_json(*before.root) != schema::to_json(*after.root))
    fuzz::violated("the canonical text has the same values",
                   schema::to_json(*before.root).dump() + "\n---\n" + schema::to_json(*after.root).dump());
  FormatResult twice = format_persona(path, *once.text, *schema, true);
  if (!twice.text || *twice.text != *once.text)
    fuzz::violated("the canonical text is a fixed point", *once.text + "\n---\n" + twice.text.value_or("(refused)"));
  return 0;
}
