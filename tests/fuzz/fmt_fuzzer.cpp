// The `fmt` round trip (library/format.h) on any bytes. Properties, for every input fmt accepts:
// the canonical text reads back without error to the same values (the same JSON document), and
// it is a fixed point (formatting it again changes nothing).
#include <nlohmann/json.hpp>

#include "fuzz.h"
#include "library/format.h"
#include "schema/schema.h"
#include "yaml/tree.h"

namespace {

/// Where two JSON documents first differ, with both values there.
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b,
                             const std::string& at = "") {
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, v] : a.items()) {
      if (!b.contains(k)) return at + "/" + k + ": only before";
      if (v != b.at(k)) return first_difference(v, b.at(k), at + "/" + k);
    }
    for (const auto& [k, v] : b.items())
      if (!a.contains(k)) return at + "/" + k + ": only after";
  } else if (a.is_array() && b.is_array() && a.size() == b.size()) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return first_difference(a[i], b[i], at + "/" + std::to_string(i));
  }
  return at + ": " + a.dump() + " became " + b.dump();
}

}  // namespace

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
  // Compared as text: a .nan is the same value before and after, but NaN != NaN.
  nlohmann::json a = schema::to_json(*before.root), b = schema::to_json(*after.root);
  if (a.dump() != b.dump())
    fuzz::violated("the canonical text has the same values", first_difference(a, b));
  FormatResult twice = format_persona(path, *once.text, *schema, true);
  if (!twice.text || *twice.text != *once.text)
    fuzz::violated("the canonical text is a fixed point",
                   *once.text + "\n---\n" + twice.text.value_or("(refused)"));
  return 0;
}
