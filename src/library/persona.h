#pragma once
/// The typed model of a persona, built only from files that passed validation.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "library/fields.h"

namespace persona {

struct Persona {
  std::string file;  ///< path relative to the library root, '/'-separated
  std::string pid;
  std::string name;      ///< "The Segment Data Architect"
  std::string app;       ///< the app's name as written: "Segment", "Google Analytics"
  std::string category;  ///< "data-infrastructure"
  std::vector<std::string> tags;
  std::string version = "1";  ///< the number as written in the file: "1", "1.0", "2.3"
  std::map<std::string, std::string> text;                ///< text fields by name
  std::map<std::string, std::vector<std::string>> lists;  ///< list fields by name

  /// "segment" for "Segment", "google-analytics" for "Google Analytics" (app_slug()): the
  /// folder under personas/ and the app's page on the site.
  std::string app_slug() const;
  /// "Data Architect" for "The Segment Data Architect": the name after "The <app> ".
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

/// The one rule that makes an app's folder name from its name: lowercase ASCII letters and
/// digits, every run of anything else one '-', none at either end ("Google Analytics" ->
/// "google-analytics"). Empty when the name has no ASCII letter or digit.
std::string app_slug(std::string_view app);

/// For a persona of the earlier format, whose `app` was a slug ("segment"): the words of its
/// name ("The Segment Data Architect") that the slug was made from, "Segment", which the format
/// writes as `app`. "" when `app` is not such a slug, or when the name already starts with
/// "The <app> " (an app whose name is its own slug, such as "dbt").
std::string legacy_app_name(std::string_view name, std::string_view app);

/// The pid a new persona gets: one more than the highest "APP-<digits>" among `pids` (at least
/// APP-100), written with at least three digits. Other strings are ignored. The one rule for
/// `persona new` and for check's hint on a pid collision.
std::string next_free_pid(const std::vector<std::string>& pids);

/// Expected path for a persona with this app (its name, as written) and name:
/// personas/<app_slug(app)>/<name without "The", as a slug>.yaml
std::string canonical_persona_path(const std::string& app, const std::string& name);

}  // namespace persona
