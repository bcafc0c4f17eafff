#include "library/fields.h"

#include "core/text.h"

namespace persona {

const std::vector<FieldDef>& profile_fields() {
  static const std::vector<FieldDef> kFields = {
      {"identity", "Identity", FieldKind::kText,
       "Who are they? Role, team, and how they relate to [App]? —"},
      {"intention", "Intention", FieldKind::kText, "What are they trying to do? —"},
      {"outcome", "Outcome", FieldKind::kText, "What does success look like for them? —"},
      {"goals", "Goals", FieldKind::kList, "What do they want to achieve? —"},
      {"frustrations", "Frustrations", FieldKind::kList, "What gets in their way? —"},
      {"worldview", "Worldview", FieldKind::kList,
       "What do they believe about their work, and about tools like [App]? —"},
      {"scenario", "Scenario", FieldKind::kText,
       "When do they reach for [App]? Tell one concrete story. —"},
      {"context", "Context", FieldKind::kText,
       "Company, team, stack and constraints around them? —"},
      {"impact", "Impact", FieldKind::kList,
       "What changes for the business, and for them, when [App] works? —"},
      {"composability", "Composability", FieldKind::kText,
       "How do they overlap with or differ from adjacent personas (by pid) and tools? —"},
      {"aha_moment", "Aha moment", FieldKind::kText, "When did the value of [App] click? —"},
      {"jtbd", "Job to be done", FieldKind::kText,
       "When I [situation], I want to [motivation], so [outcome]. —"},
      {"success_signal", "Success signal", FieldKind::kText,
       "What observable sign says [App] is working? —"},
      {"churn_trigger", "Churn trigger", FieldKind::kText, "What would make them leave [App]? —"},
  };
  return kFields;
}

const FieldDef* find_field(std::string_view name) {
  for (const auto& f : profile_fields())
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> profile_field_names() {
  std::vector<std::string> out;
  for (const auto& f : profile_fields()) out.emplace_back(f.name);
  return out;
}

const std::vector<std::string>& metadata_keys() {
  static const std::vector<std::string> kKeys = {"pid",      "name", "app",
                                                 "category", "tags", "version"};
  return kKeys;
}

std::string FieldPath::str() const {
  return item ? field + "[" + std::to_string(*item) + "]" : field;
}

std::optional<FieldPath> parse_field_path(std::string_view text, std::string* error) {
  auto fail = [&](std::string m) -> std::optional<FieldPath> {
    if (error) *error = std::move(m);
    return std::nullopt;
  };
  std::string_view t = trim(text);
  FieldPath p;
  auto open = t.find('[');
  std::string_view name = open == std::string_view::npos ? t : t.substr(0, open);
  const FieldDef* def = find_field(name);
  if (!def) {
    std::string hint = did_you_mean(name, profile_field_names());
    return fail("unknown field " + quote(name) + (hint.empty() ? "" : "; " + hint));
  }
  p.field = std::string(name);
  if (open != std::string_view::npos) {
    if (def->kind != FieldKind::kList)
      return fail("field " + quote(name) + " is text, not a list; address it as " + quote(name));
    std::string_view rest = t.substr(open + 1);
    if (rest.size() < 2 || rest.back() != ']') return fail("malformed field path " + quote(t));
    std::string_view digits = rest.substr(0, rest.size() - 1);
    if (digits.empty() || digits.size() > 4 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos)
      return fail("malformed item number in " + quote(t) + "; items are numbered from 1");
    std::size_t n = std::stoul(std::string(digits));
    if (n == 0) return fail("items are numbered from 1, not 0: " + quote(t));
    p.item = n;
  }
  return p;
}

std::optional<FieldPath> parse_record_field_path(std::string_view text, std::string* error) {
  std::string_view t = trim(text);
  std::size_t open = t.find('[');
  if (open != std::string_view::npos) {
    const FieldDef* def = find_field(t.substr(0, open));
    if (def && def->kind == FieldKind::kText) {
      std::string ignored;
      FieldPath p{std::string(def->name), std::nullopt};
      // Well formed apart from the field's kind: the item syntax of a list, on a text field.
      std::string as_list = "goals" + std::string(t.substr(open));
      if (parse_field_path(as_list, &ignored)) return p;
    }
  }
  return parse_field_path(text, error);
}

}  // namespace persona
