#pragma once
/// What needs the community's help: per persona and per field, how many people confirmed the
/// current value, how often it was corrected, how long since anyone touched it; the fields
/// nobody has looked at; and the library's validation coverage as one figure. `persona stats`
/// prints it; the website export can show the same numbers (stats_json).
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "library/library.h"

namespace persona::check {

struct FieldStats {
  std::string field;              ///< top-level field name ("goals" counts its items too)
  int confirmations = 0;          ///< of the current value
  int earlier_confirmations = 0;  ///< of values since corrected
  int corrections = 0;
  int extensions = 0;
  int comments = 0;
  int contributors = 0;
  std::string last_activity;          ///< UTC time of the newest record, "" if none
  std::optional<long long> age_days;  ///< whole days from last_activity to now
  bool confirmed() const { return confirmations > 0; }
  bool active() const {
    return confirmations + earlier_confirmations + corrections + extensions + comments > 0;
  }
};

struct PersonaStats {
  std::string pid;
  std::string name;
  std::string file;
  std::vector<FieldStats> fields;  ///< every profile field, in canonical order
  int records = 0;                 ///< contributions of every kind, comments on the whole included
  int contributors = 0;
  std::string last_activity;
  std::optional<long long> age_days;
  int confirmed_fields() const;
  /// The fields with no record at all, in canonical order.
  std::vector<std::string> untouched_fields() const;
};

struct LibraryStats {
  std::string now;                     ///< the time ages are measured to
  std::vector<PersonaStats> personas;  ///< by pid
  int fields = 0;                      ///< personas x profile fields
  int confirmed_fields = 0;            ///< with at least one confirmation of the current value
  int untouched_fields = 0;            ///< with no record at all
  int records = 0;
  int contributors = 0;
  /// confirmed_fields / fields (0 for an empty library): the validation coverage.
  double coverage() const { return fields ? static_cast<double>(confirmed_fields) / fields : 0.0; }
};

/// The figures for every valid persona of `lib` from its valid records; `now` as
/// 2026-11-28T17:30:00Z.
LibraryStats compute_stats(const Library& lib, const std::string& now);

/// The document of `persona stats --format json` (also what the export can embed).
nlohmann::ordered_json stats_json(const LibraryStats& s);

/// The report of `persona stats` for people.
void print_stats(std::ostream& out, const LibraryStats& s);

/// "42.9%": coverage as a percentage with one decimal.
std::string percent(double fraction);

}  // namespace persona::check
