#include "check/rules.h"

#include <algorithm>

namespace persona::check {

namespace {
constexpr Severity E = Severity::kError;
constexpr Severity W = Severity::kWarning;
}  // namespace

// One piece: the catalogue is one table, the one list of rule codes (SARIF, the README's table
// and describe_rule read it); split, it would be several lists of one concept.
const std::vector<RuleInfo>& rule_catalog() {
  static const std::vector<RuleInfo> kRules = [] {
    std::vector<RuleInfo> r = {
        // YAML reading
        {"yaml-syntax", "The file is well-formed YAML.", E},
        {"yaml-too-large", "The file is at most 1 MiB.", E},
        {"yaml-invalid-utf8", "The file is valid UTF-8.", E},
        {"yaml-control-character", "The file has no NUL or other control characters.", E},
        {"yaml-alias", "The file uses no YAML aliases.", E},
        {"yaml-anchor", "The file uses no YAML anchors.", E},
        {"yaml-complex-key", "Every mapping key is a plain string.", E},
        {"yaml-null-key", "No mapping key is null (~, null or empty).", E},
        {"yaml-duplicate-key", "No mapping has the same key twice.", E},
        {"yaml-multiple-documents", "The file holds one YAML document.", E},
        {"yaml-root-not-mapping", "The top of the file is a mapping of keys to values.", E},
        {"yaml-scalar-too-long", "No single value is longer than 64 KiB.", E},
        {"yaml-tag", "The file uses no YAML tags beyond the core schema's.", E},
        {"yaml-too-deep", "Collections are nested at most 64 levels deep.", E},
        {"yaml-too-many-nodes", "The file has at most 200,000 YAML nodes.", E},
        // JSON Schema
        {"schema", "The file satisfies its JSON Schema.", E},
        {"schema-required", "Every required key is present.", E},
        {"schema-unknown-field", "Only the keys the schema defines are used.", E},
        {"schema-type", "Each value has the type the schema gives it.", E},
        {"schema-pattern", "Each value matches the pattern the schema gives it.", E},
        {"schema-max-length", "No text is longer than the schema allows.", E},
        {"schema-min-length", "No text is shorter than the schema allows.", E},
        {"schema-max-items", "No list is longer than the schema allows.", E},
        {"schema-min-items", "No list is shorter than the schema allows.", E},
        {"schema-minimum", "No number is below the schema's minimum.", E},
        {"schema-maximum", "No number is above the schema's maximum.", E},
        {"schema-enum", "Each value is one of those the schema lists.", E},
        {"pattern-match-limit",
         "Each schema pattern can be matched against its value within PCRE2's match limit.", E},
        // Library rules
        {"empty-string", "No text field or list item is blank.", E},
        {"template-text", "No template placeholder or unanswered prompt is left.", E},
        {"truncated-text", "Text fields end with a full sentence.", E},
        {"jtbd-form", "The job to be done reads 'When I ..., I want to ..., so ...'.", E},
        {"duplicate-item", "No list repeats an item.", E},
        {"duplicate-pid", "Every persona has its own pid.", E},
        {"name-app-mismatch", "The persona's name names its app.", E},
        {"path-mismatch", "The file lives at personas/<app slug>/<slug of name>.yaml.", E},
        {"app-slug", "The app's name has a letter or digit to make its folder's name from.", E},
        {"legacy-format",
         "The persona is in the published format, not the earlier one ('persona migrate').", E},
        {"unresolved-reference", "Every persona referred to by pid exists.", E},
        {"fmt-comment", "Formatting would not lose a comment.", E},
        {"fmt-unrepresentable", "Formatting can write every value back exactly.", E},
        // Contribution records
        {"record-edited",
         "A contribution record's content matches its id (records are never edited).", E},
        {"record-path", "A contribution record lives at contributions/<pid>/<time>-<id>.yaml.", E},
        {"record-email", "A contribution record holds no email address.", E},
        {"record-time", "A contribution record's time is not in the future.", E},
        {"record-field", "A contribution record's field path resolves in its persona.", E},
        {"record-pid", "A contribution record is for an existing persona.", E},
        {"record-author",
         "A contribution record's author is one visible line of at most 100 "
         "characters.",
         E},
        // Contribution requests (persona apply)
        {"request-form", "An issue-form request has the form's headings.", E},
        {"request-key", "A request uses only the keys a request has.", E},
        {"request-type", "Each key of a request has a text value.", E},
        {"request-pid", "A request names a persona that exists.", E},
        {"request-kind", "A request's kind is confirm, correct, extend or comment.", E},
        {"request-field", "A request's field is a field path of the persona.", E},
        {"request-text", "A request has the text its kind needs, within the record's limit.", E},
        {"request-note", "A request's note is within the record's limit (and given when required).",
         E},
        {"request-author",
         "A request's name to credit is one visible line of at most 100 "
         "characters.",
         E},
        {"request-base", "A request's base revision resolves to a commit.", E},
        // check
        {kNotCanonical, "A persona file the change touches is in canonical form ('persona fmt').",
         E},
        {kRecordModified, "Contribution records are only ever added: none is modified.", E},
        {kRecordRenamed, "Contribution records are only ever added: none is moved or renamed.", E},
        {kRecordDeleted, "Contribution records are only ever added: none is deleted.", E},
        {kPidChanged, "A persona's pid never changes.", E},
        {kPidCollision, "A new persona's pid is not also taken on the base branch.", E},
        {kPidReused, "A new persona does not reuse the pid of one that was removed.", E},
        {kStaleContribution,
         "A correction or extension was made against the base branch's current value.", E},
        {kStaleConfirmation, "A confirmation is for the base branch's current value.", W},
        {kRecordHash, "A record's value_hash is the hash of the value the change started from.", E},
        {kRecordMismatch,
         "A correction or extension record agrees with the change made to the persona file.", E},
        {kDirectEdit, "A persona file is changed only together with a contribution record.", E},
        {kPersonaDeleted, "A persona file is not deleted (its pid and contributions stay).", E},
        {kMultiplePersonas, "A pull request touches one persona.", W},
    };
    std::sort(r.begin(), r.end(), [](const RuleInfo& a, const RuleInfo& b) { return a.id < b.id; });
    return r;
  }();
  return kRules;
}

RuleInfo describe_rule(std::string_view code) {
  const auto& rules = rule_catalog();
  auto it = std::lower_bound(rules.begin(), rules.end(), code,
                             [](const RuleInfo& r, std::string_view c) { return r.id < c; });
  if (it != rules.end() && it->id == code) return *it;
  return RuleInfo{code, "A rule of persona without a description in the catalogue yet.",
                  Severity::kError};
}

}  // namespace persona::check
