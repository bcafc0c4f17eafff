#pragma once
/// The catalogue of diagnostic codes: every rule `validate` and `check` report, with a one-line
/// description. SARIF's rule descriptors and the GitHub step summary are built from it.
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace persona::check {

struct RuleInfo {
  std::string_view id;           ///< the diagnostic code, e.g. "stale-contribution"
  std::string_view description;  ///< what the rule asks for, one sentence
  Severity level;                ///< the severity it is reported with
};

/// Every known rule, sorted by id.
const std::vector<RuleInfo>& rule_catalog();

/// The entry for a code, or a generic one ("persona rule 'CODE'") for a code the catalogue does
/// not know yet.
RuleInfo describe_rule(std::string_view code);

// The codes `check` adds to validate's, for use by the check module and its tests.
inline constexpr const char* kNotCanonical = "not-canonical";
inline constexpr const char* kRecordModified = "record-modified";
inline constexpr const char* kRecordRenamed = "record-renamed";
inline constexpr const char* kRecordDeleted = "record-deleted";
inline constexpr const char* kPidChanged = "pid-changed";
inline constexpr const char* kPidCollision = "pid-collision";
inline constexpr const char* kPidReused = "pid-reused";
inline constexpr const char* kStaleContribution = "stale-contribution";
inline constexpr const char* kStaleConfirmation = "stale-confirmation";
inline constexpr const char* kRecordHash = "record-hash";
inline constexpr const char* kRecordMismatch = "record-mismatch";
inline constexpr const char* kDirectEdit = "direct-edit";
inline constexpr const char* kPersonaDeleted = "persona-deleted";
inline constexpr const char* kMultiplePersonas = "multiple-personas";

}  // namespace persona::check
