#pragma once
/// The typed model of a persona, built only from files that passed validation.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "library/fields.h"

namespace persona {

struct Persona {
  std::string file;  ///< path relative to the library root, '/'-separated
  std::string pid;
  std::string name;      ///< "The Segment Data Architect"
  std::string app;       ///< "segment"
  std::string category;  ///< "data-infrastructure"
  std::vector<std::string> tags;
  long long version = 1;
  std::map<std::string, std::string> text;                ///< text fields by name
  std::map<std::string, std::vector<std::string>> lists;  ///< list fields by name

  /// "Segment" for "The Segment Data Architect" with app "segment": the words of the name after
  /// "The" whose slug is the app's.
  std::string app_display() const;
  /// "Data Architect": the rest of the name.
  std::string archetype() const;
  /// File-name slug: the name without "The", slugified.
  std::string slug() const;
  /// Where the file must live: personas/<app>/<slug>.yaml
  std::string canonical_path() const;

  /// Every addressable path with its value: text fields, list fields, and each list item.
  std::vector<std::pair<FieldPath, std::string>> addressable() const;
  /// The value at a path as text: a text field, one list item, or a whole list (one item a line).
  std::optional<std::string> value(const FieldPath& p) const;
  /// The value hashed by contribution records: the text itself, or for a whole list its items
  /// joined by newlines.
  std::optional<std::string> canonical_value(const FieldPath& p) const;
};

/// Expected path for a persona with this app and name.
std::string canonical_persona_path(const std::string& app, const std::string& name);

}  // namespace persona
