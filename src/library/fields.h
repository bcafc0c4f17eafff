#pragma once
/// The 14 profile fields of a persona and how they are addressed ("identity", "goals",
/// "goals[2]"). The JSON Schema is the contract; this table adds what a schema cannot say (labels,
/// scaffold prompts) and a unit test keeps the two in step.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace persona {

enum class FieldKind { kText, kList };

struct FieldDef {
  std::string_view name;   ///< key in the YAML file
  std::string_view label;  ///< heading shown to people
  FieldKind kind;
  std::string_view prompt;  ///< what `persona new` writes until someone fills it in
};

/// The profile fields in canonical order.
const std::vector<FieldDef>& profile_fields();
const FieldDef* find_field(std::string_view name);
std::vector<std::string> profile_field_names();

/// The metadata keys, in canonical order, that come before the profile fields.
const std::vector<std::string>& metadata_keys();

/// A field or one item of a list field. Items are numbered from 1, as `show --fields` prints.
struct FieldPath {
  std::string field;
  std::optional<std::size_t> item;  ///< 1-based
  std::string str() const;
  bool operator==(const FieldPath&) const = default;
};

/// Parses "goals[2]" or "identity". On failure returns nullopt and sets `error` (git style).
std::optional<FieldPath> parse_field_path(std::string_view text, std::string* error);

/// As parse_field_path(), for the field of a contribution record, which is never rewritten: a
/// record made under the earlier format may address an item of a field that was a list then and
/// is text now ("composability[2]"); it stands for the whole field ("composability").
std::optional<FieldPath> parse_record_field_path(std::string_view text, std::string* error);

}  // namespace persona
