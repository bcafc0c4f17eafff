#pragma once
/// Contributions: confirming, correcting, extending or commenting on one field of a persona.
///
/// Two stages. make_contribution() is pure: given a persona file's text, a request and the time,
/// it produces the record (contributions/<pid>/...yaml) and, for a correction or extension, the
/// persona's new text in canonical form, refusing (as values) requests that do not fit the
/// persona and personas that do not validate before or after the change. workflow/contribute.h
/// runs it against a commit of a git repository.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "library/library.h"
#include "library/records.h"
#include "schema/schema.h"

namespace persona {

/// What a contributor asks for: the flags of `persona contribute`, the keys of `persona apply`.
struct ContributionRequest {
  std::string pid;
  std::string kind;   ///< confirm | correct | extend | comment
  std::string field;  ///< a field path as `show --fields` prints it; "" for a whole-persona comment
  std::string text;   ///< the new value (correct), the addition (extend), the comment
  std::string note;   ///< the contributor's lived experience
  std::string author;  ///< display name; "" = from the git identity
};

/// A request that cannot be applied as it stands, tied to the request key it is about ("pid",
/// "kind", "field", "text", "note", "author", "base") so `apply` can point at the line.
struct RequestProblem {
  std::string key;
  std::string message;  ///< git style: lowercase, subject quoted, no final period
  std::string hint;
};

inline constexpr const char* kContributionKinds[] = {"confirm", "correct", "extend", "comment"};

/// Text as contributors type it, made fit for a record: CRLF and CR to LF, trailing blanks on each
/// line and blank lines at both ends removed.
std::string normalize_contribution_text(std::string_view text);

/// Problems with the request on its own (no persona needed): kind, field path syntax, text
/// present where the kind needs it and a single line for list items, `require_note`.
std::vector<RequestProblem> check_request(const ContributionRequest& r, bool require_note);

/// The outcome of applying a request to one persona file.
struct Contribution {
  Record record;                            ///< id and file (record_path) set
  std::string record_text;                  ///< the record file's bytes
  std::string persona_path;                 ///< relative to the library root
  std::string persona_name;                 ///< "The Segment Data Architect"
  std::optional<std::string> persona_text;  ///< new canonical text (correct and extend only)
  std::string old_value;  ///< the field's value before (canonical_value), "" for comments
  std::string new_value;  ///< and after (== old_value unless corrected or extended)
  std::vector<RequestProblem> problems;  ///< the request does not fit this persona
  /// The persona does not validate before or after the change (or would lose a comment when
  /// rewritten), or the record would not validate. Paths are library-relative;
  /// `diagnostics_source` is the text they point into.
  std::vector<Diagnostic> diagnostics;
  std::string diagnostics_source;
  /// Which check refused it: "before" (the persona as it is), "after" (as it would become) or
  /// "record"; "" when nothing was refused on content.
  std::string diagnostics_stage;
  bool ok() const { return problems.empty() && count_errors(diagnostics) == 0; }
};

/// Applies `r` to the persona file `persona_path` (relative to the library root) holding
/// `persona_text`, at `time` (2026-11-28T17:30:00Z). `r.author` must be set.
/// correct: replaces a text field, or one list item (goals[2]); extend: appends a paragraph to a
/// text field, or an item to a list; confirm and comment change only the record.
Contribution make_contribution(const std::string& persona_path, const std::string& persona_text,
                               const ContributionRequest& r, const std::string& time,
                               const schema::Schema& persona_schema);

/// The problems make_contribution() would find first in `r` against the persona file (a field
/// path that does not resolve in it: an item out of range), for reporting every problem of a
/// request at once when check_request() has found some already. `r.field` must have passed
/// check_request(). Empty when the file does not parse (make_contribution says why).
std::vector<RequestProblem> check_request_fit(const std::string& persona_path,
                                              const std::string& persona_text,
                                              const ContributionRequest& r,
                                              const schema::Schema& persona_schema);

/// The branch a contribution goes on by default: <prefix>/<pid>/<kind>-<field>-<id[0:8]>, the
/// field's brackets turned into a dash (goals[2] -> goals-2), no field part for a persona comment.
std::string default_branch_name(const std::string& prefix, const Record& r);

/// The commit message: a readable first line, the text and note, and the trailers
/// Persona:, Field: (absent for a whole-persona comment) and Contribution: (the record id).
std::string contribution_message(const Contribution& c);

/// A contribution request read by `persona apply`: YAML, JSON, or the body of the GitHub issue
/// form in .github/ISSUE_TEMPLATE/contribution.yml ("### Persona id\n\nAPP-153\n\n### ...").
///
/// YAML and JSON take the keys pid, kind, field, text, note, author, branch and base, or the
/// flags' own spelling: `confirm: FIELD`, `correct: FIELD`, `extend: FIELD`, `comment: true`
/// (or `comment: FIELD`). The issue form's headings are its labels: Persona id, Kind of
/// contribution, Field, Text, Lived experience, Name to credit; "_No response_" is empty.
struct ParsedRequest {
  std::string format;  ///< "yaml", "json" or "issue-form"
  ContributionRequest request;
  std::string branch;
  std::string base;
  /// Where each key's value is (for field-level errors), also when the value has an error of its
  /// own (a list where a string goes); absent keys are not in the map.
  std::map<std::string, yaml::Mark> positions;
  std::vector<Diagnostic> diagnostics;  ///< errors in the request itself, with file:line:col
};
ParsedRequest parse_request(const std::string& file, const std::string& text);

/// A request problem as a diagnostic pointing at the key's value in the request file (line 0
/// when the key is absent). Codes: request-pid, request-kind, request-field, request-text,
/// request-note, request-author, request-base (parse_request itself adds request-key, request-type
/// and request-form).
Diagnostic request_diagnostic(const ParsedRequest& req, const std::string& file,
                              const RequestProblem& p);

}  // namespace persona
