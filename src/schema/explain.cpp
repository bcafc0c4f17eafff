#include "schema/explain.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/text.h"
#include "schema/ecma_regex.h"
#include "schema/node_adapter.h"
#include "schema/schema.h"

namespace persona::schema {

namespace {

using OJson = nlohmann::ordered_json;

const OJson* resolve_ref(const OJson& root, const OJson* s) {
  for (int guard = 0; s && guard < 16 && s->is_object() && s->contains("$ref"); ++guard) {
    const auto& ref = (*s)["$ref"];
    if (!ref.is_string()) return s;
    std::string r = ref.get<std::string>();
    if (r.rfind("#/", 0) != 0) return s;
    try {
      s = &root.at(OJson::json_pointer(r.substr(1)));
    } catch (...) {
      return nullptr;
    }
  }
  return s;
}

/// Where an error points: the YAML node, its subschema ($ref resolved; nullptr when unknown)
/// and its path for messages ("contributions.require_note", "goals[2]"; "" for the document).
struct Site {
  const yaml::Node* node;
  const OJson* sub;
  std::string path;
  const OJson& schema;
  const std::string& description;

  std::string subject() const { return path.empty() ? "the document" : "'" + path + "'"; }
  /// The subschema's "description", or "".
  std::string described() const {
    if (sub && sub->contains("description") && (*sub)["description"].is_string())
      return (*sub)["description"].get<std::string>();
    return {};
  }
  /// The subschema's "properties", or nullptr.
  const OJson* properties() const {
    return sub && sub->contains("properties") && (*sub)["properties"].is_object()
               ? &(*sub)["properties"]
               : nullptr;
  }
};

/// The subschema of the member `name` of a mapping whose schema is `sub`: from "properties",
/// else the first of "patternProperties" whose pattern matches, else "additionalProperties".
const OJson* member_schema(const OJson* sub, const std::string& name) {
  if (!sub || !sub->is_object()) return nullptr;
  if (auto props = sub->find("properties"); props != sub->end() && props->is_object()) {
    if (auto p = props->find(name); p != props->end()) return &*p;
  }
  if (auto patterns = sub->find("patternProperties");
      patterns != sub->end() && patterns->is_object()) {
    for (const auto& [pattern, s] : patterns->items())
      if (EcmaRegex::cached(pattern).search(name) == EcmaRegex::Match::kYes) return &s;
  }
  if (auto more = sub->find("additionalProperties"); more != sub->end() && more->is_object())
    return &*more;
  return nullptr;
}

/// Walks the error's context from `root` to its node and subschema.
Site locate(const OJson& schema, const yaml::Node& root, const detail::RawError& error) {
  Site at{&root, resolve_ref(schema, &schema), {}, schema, error.description};
  const auto& context = error.context;
  for (std::size_t i = 1; i < context.size() && at.node; ++i) {
    std::string seg = context[i];
    if (seg.size() >= 2 && seg.front() == '[' && seg.back() == ']')
      seg = seg.substr(1, seg.size() - 2);
    if (at.node->is_mapping()) {
      at.node = at.node->find(seg);
      at.path += (at.path.empty() ? "" : ".") + seg;
      at.sub = resolve_ref(schema, member_schema(at.sub, seg));
    } else if (at.node->is_sequence()) {
      std::size_t idx = std::strtoul(seg.c_str(), nullptr, 10);
      at.node = idx < at.node->children.size() ? &at.node->children[idx] : nullptr;
      at.path += "[" + std::to_string(idx + 1) + "]";
      at.sub =
          at.sub && at.sub->contains("items") ? resolve_ref(schema, &(*at.sub)["items"]) : nullptr;
    } else {
      at.node = nullptr;
    }
  }
  if (!at.node) at.node = &root;
  return at;
}

std::string type_name(const yaml::Node& n) {
  switch (n.kind) {
    case yaml::Kind::kMapping:
      return "a mapping";
    case yaml::Kind::kSequence:
      return "a list";
    case yaml::Kind::kScalar:
      break;
  }
  switch (n.scalar_type()) {
    case yaml::ScalarType::kNull:
      return "empty (null)";
    case yaml::ScalarType::kBool:
      return "a boolean";
    case yaml::ScalarType::kInt:
      return "an integer";
    case yaml::ScalarType::kFloat:
      if (!std::isfinite(scalar_value(n).number)) return n.value + " (JSON numbers are finite)";
      return "a number";
    case yaml::ScalarType::kString:
      return "a string";
  }
  return "a value";
}

std::string expected_type(const OJson* sub) {
  if (!sub || !sub->contains("type")) return "another type";
  const auto& t = (*sub)["type"];
  auto one = [](const std::string& x) -> std::string {
    if (x == "string") return "a string";
    if (x == "integer") return "an integer";
    if (x == "number") return "a number";
    if (x == "boolean") return "true or false";
    if (x == "array") return "a list";
    if (x == "object") return "a mapping";
    if (x == "null") return "empty";
    return x;
  };
  if (t.is_string()) return one(t.get<std::string>());
  std::string out;
  if (t.is_array()) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (i) out += i + 1 == t.size() ? " or " : ", ";
      out += one(t[i].get<std::string>());
    }
  }
  return out;
}

std::string number_text(const OJson* sub, const char* key) {
  if (!sub || !sub->contains(key)) return "?";
  const auto& v = (*sub)[key];
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  return v.dump();
}

/// "... 'name'." -> name
std::string after_quote(const std::string& d) {
  auto close = d.rfind('\'');
  if (close == std::string::npos || close == 0) return {};
  auto open = d.rfind('\'', close - 1);
  if (open == std::string::npos) return {};
  return d.substr(open + 1, close - open - 1);
}

// One function per kind of error: fills the message and hint (and may move the position).
using Explain = void (*)(const Site&, Diagnostic&);

void required(const Site& at, Diagnostic& d) {
  std::string name = after_quote(at.description);
  d.message = "missing required field '" + (at.path.empty() ? name : at.path + "." + name) + "'";
  const OJson* props = at.properties();
  if (props && props->contains(name)) {
    const auto& p = (*props)[name];
    if (p.contains("description") && p["description"].is_string())
      d.hint = p["description"].get<std::string>();
  }
}

void unknown_field(const Site& at, Diagnostic& d) {
  std::string name = after_quote(at.description);
  d.message = "unknown field '" + name + "'";
  if (const yaml::Node* k = at.node->find_key(name)) {
    d.line = k->mark.line;
    d.column = k->mark.column;
  }
  std::vector<std::string> allowed;
  if (const OJson* props = at.properties())
    for (const auto& [k, v] : props->items()) allowed.push_back(k);
  d.hint = did_you_mean(name, allowed);
}

void wrong_type(const Site& at, Diagnostic& d) {
  std::string want = expected_type(at.sub);
  d.message = at.subject() + " must be " + want + ", not " + type_name(*at.node);
  if (want == "a string" && at.node->is_scalar())
    d.hint = "put the value in quotes to keep it as text: \"" + at.node->value + "\"";
}

std::string pattern_of(const Site& at) {
  return at.sub && at.sub->contains("pattern") && (*at.sub)["pattern"].is_string()
             ? (*at.sub)["pattern"].get<std::string>()
             : "";
}

void no_match(const Site& at, Diagnostic& d) {
  d.message = at.subject() + " value " + quote(at.node->value) + " does not match " +
              quote(pattern_of(at), 200);
  d.hint = at.described();
}

void too_costly(const Site& at, Diagnostic& d) {
  if (at.description.rfind(detail::kPropertyPatternTooCostly, 0) == 0) {
    d.message = at.subject() + ": the name is too costly to match against " +
                quote(after_quote(at.description), 200);
  } else {
    d.message = at.subject() + " value " + quote(at.node->value) +
                " is too costly to match against " + quote(pattern_of(at), 200);
  }
  d.hint = "the pattern backtracks without end on this value; simplify the pattern in the schema";
}

void too_long(const Site& at, Diagnostic& d) {
  d.message = at.subject() + " is " + std::to_string(utf8_length(at.node->value)) +
              " characters long, over the limit of " + number_text(at.sub, "maxLength");
}

void too_short(const Site& at, Diagnostic& d) {
  d.message = at.node->value.empty() ? at.subject() + " is empty"
                                     : at.subject() + " is shorter than " +
                                           number_text(at.sub, "minLength") + " characters";
  d.hint = at.described();
}

void too_many_items(const Site& at, Diagnostic& d) {
  d.message = at.subject() + " has " + std::to_string(at.node->children.size()) +
              " items, over the limit of " + number_text(at.sub, "maxItems");
}

void too_few_items(const Site& at, Diagnostic& d) {
  std::string n = number_text(at.sub, "minItems");
  d.message = at.subject() + " needs at least " + n + (n == "1" ? " item" : " items");
  d.hint = at.described();
}

void below_minimum(const Site& at, Diagnostic& d) {
  bool exclusive = at.sub && at.sub->contains("exclusiveMinimum");
  d.message =
      exclusive ? at.subject() + " must be greater than " + number_text(at.sub, "exclusiveMinimum")
                : at.subject() + " must be at least " + number_text(at.sub, "minimum");
}

void above_maximum(const Site& at, Diagnostic& d) {
  bool exclusive = at.sub && at.sub->contains("exclusiveMaximum");
  d.message = exclusive
                  ? at.subject() + " must be less than " + number_text(at.sub, "exclusiveMaximum")
                  : at.subject() + " must be at most " + number_text(at.sub, "maximum");
}

void not_in_enum(const Site& at, Diagnostic& d) {
  std::vector<std::string> allowed;
  std::string list;
  if (at.sub && at.sub->contains("enum"))
    for (const auto& v : (*at.sub)["enum"]) {
      std::string s = v.is_string() ? v.get<std::string>() : v.dump();
      allowed.push_back(s);
      list += (list.empty() ? "" : ", ") + s;
    }
  d.message = at.subject() + " value " + quote(at.node->value) + " is not one of: " + list;
  d.hint = did_you_mean(at.node->value, allowed);
}

void other(const Site& at, Diagnostic& d) {
  std::string m = at.description;
  if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  while (!m.empty() && m.back() == '.') m.pop_back();
  d.message = at.subject() + ": " + m;
}

/// Every kind of error: the start of valijson's description, persona's code, whether the code
/// is a JSON Schema verdict (a file the schema rejects) and how it is told. The first row whose
/// prefix starts the description wins; the last catches the rest.
struct Kind {
  std::string_view prefix;
  std::string_view code;
  bool verdict;
  Explain explain;
};
constexpr Kind kKinds[] = {
    {"Missing required property", "schema-required", true, required},
    {"Object contains a property that could not be validated", "schema-unknown-field", true,
     unknown_field},
    {"Value type not permitted", "schema-type", true, wrong_type},
    {"Failed to match regex", "schema-pattern", true, no_match},
    {"String should be no more than", "schema-max-length", true, too_long},
    {"String should be no fewer than", "schema-min-length", true, too_short},
    {"Array should contain no more than", "schema-max-items", true, too_many_items},
    {"Array should contain no fewer than", "schema-min-items", true, too_few_items},
    {"Expected number greater than", "schema-minimum", true, below_minimum},
    {"Expected number less than", "schema-maximum", true, above_maximum},
    {"Failed to match against any enum values", "schema-enum", true, not_in_enum},
    // Not a verdict: persona gave up matching (a pattern that backtracks without end).
    {"Regex match limit exceeded", "pattern-match-limit", false, too_costly},
    {"", "schema", true, other},
};

const Kind& kind_of(const std::string& description) {
  for (const Kind& k : kKinds)
    if (description.rfind(k.prefix, 0) == 0) return k;
  return kKinds[std::size(kKinds) - 1];
}

}  // namespace

const std::vector<std::string>& verdict_codes() {
  static const std::vector<std::string> codes = [] {
    std::vector<std::string> out;
    for (const Kind& k : kKinds)
      if (k.verdict) out.emplace_back(k.code);
    std::sort(out.begin(), out.end());
    return out;
  }();
  return codes;
}

bool is_verdict(std::string_view code) {
  const auto& codes = verdict_codes();
  return std::binary_search(codes.begin(), codes.end(), code);
}

namespace detail {

bool is_wrapper(const std::string& d) {
  static const char* kWrappers[] = {
      "Failed to validate against schema associated with",
      "Failed to validate item #",
      "Failed to validate against additional properties schema",
      "Failed to validate against child schema",
      "Cannot validate item #",
      "Failed to validate against a conditional schema",
      "Elements at indexes #",  // duplicate items are reported by the library rules
  };
  for (const char* w : kWrappers)
    if (d.rfind(w, 0) == 0) return true;
  return false;
}

Diagnostic explain(const OJson& schema, const yaml::Node& root, const RawError& error,
                   const std::string& file) {
  const Site at = locate(schema, root, error);
  const Kind& kind = kind_of(error.description);
  Diagnostic d;
  d.code = kind.code;
  d.file = file;
  d.line = at.node->mark.line;
  d.column = at.node->mark.column;
  kind.explain(at, d);
  return d;
}

std::vector<Diagnostic> merge_required(std::vector<Diagnostic> ds, const std::string& schema_name) {
  std::vector<Diagnostic> merged;
  for (auto& d : ds) {
    if (d.code != "schema-required") {
      merged.push_back(std::move(d));
      continue;
    }
    auto same = std::find_if(merged.begin(), merged.end(), [&](const Diagnostic& m) {
      return m.code == "schema-required" && m.line == d.line && m.column == d.column;
    });
    if (same == merged.end()) {
      merged.push_back(std::move(d));
      continue;
    }
    auto names = [](const std::string& m) { return m.substr(m.find('\'')); };
    std::string list = same->message.rfind("missing required field '", 0) == 0
                           ? names(same->message)
                           : same->message.substr(std::string("missing required fields ").size());
    same->message = "missing required fields " + list + ", " + names(d.message);
    same->hint = schema_name + " describes each field";
  }
  return merged;
}

}  // namespace detail

}  // namespace persona::schema
