#pragma once
/// valijson (Debian's 1.0), brought to what draft-07 and ajv say where it departs from them.
/// Private to src/schema; include this header, not valijson's validator.hpp, wherever a
/// valijson::Validator runs over our adapters, so that every translation unit sees the same
/// specializations.
///
///   - "type": "integer" accepts any number with a zero fractional part (1.0, 1e300), and
///     "number" any finite number: JSON has no infinity or NaN, which YAML's .inf and .nan are
///     (ajv, strictNumbers, rejects them as numbers too).
///   - "minLength"/"maxLength" count code points, all of them (valijson stops at a NUL).
///   - "pattern" and "patternProperties" are ECMA-262 (EcmaRegex, PCRE2), not std::regex over
///     bytes: `[^\n]{1,10}` counts characters, `\s` knows Unicode spaces.
///
/// valijson 1.0 has no hook for a regex engine, so these are explicit specializations of its
/// visitor for each adapter persona validates with: the yaml::Node adapter, nlohmann::json, and
/// std::string (property names, under "propertyNames").
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/adapters/std_string_adapter.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validation_visitor.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "core/text.h"
#include "schema/ecma_regex.h"
#include "schema/explain.h"
#include "schema/node_adapter.h"

namespace persona::schema::detail {

/// The string an adapter holds: the node's own for NodeAdapter, else a copy in `storage`.
template <typename Adapter>
std::string_view string_of(const Adapter& target, std::string& storage) {
  storage = target.asString();
  return storage;
}
inline std::string_view string_of(const NodeAdapter& target, std::string& storage) {
  if (const std::string* s = target.string_ptr()) return *s;
  storage = target.asString();
  return storage;
}

template <typename Adapter>
bool is_string(const Adapter& target, bool strict) {
  return !((strict && !target.isString()) || !target.maybeString());
}

/// maxLength, in code points. A string of at most `max` bytes has at most `max` of them.
template <typename Adapter>
bool max_length(const Adapter& target, bool strict, std::uint64_t max,
                valijson::ValidationResults* results, const std::vector<std::string>& context) {
  if (!is_string(target, strict)) return true;
  std::string storage;
  std::string_view s = string_of(target, storage);
  if (s.size() <= max || utf8_length(s) <= max) return true;
  if (results) {
    results->pushError(
        context, "String should be no more than " + std::to_string(max) + " characters in length.");
  }
  return false;
}

/// minLength, in code points. A string of 4 * `min` bytes has at least `min` of them.
template <typename Adapter>
bool min_length(const Adapter& target, bool strict, std::uint64_t min,
                valijson::ValidationResults* results, const std::vector<std::string>& context) {
  if (!is_string(target, strict)) return true;
  std::string storage;
  std::string_view s = string_of(target, storage);
  if (s.size() / 4 >= min || utf8_length(s) >= min) return true;
  if (results) {
    results->pushError(context, "String should be no fewer than " + std::to_string(min) +
                                    " characters in length.");
  }
  return false;
}

template <typename Adapter>
bool pattern(const Adapter& target, bool strict, const valijson::constraints::PatternConstraint& c,
             valijson::ValidationResults* results, const std::vector<std::string>& context) {
  if (!is_string(target, strict)) return true;
  thread_local std::string text;
  c.getPattern(text);
  std::string storage;
  switch (EcmaRegex::cached(text).search(string_of(target, storage))) {
    case EcmaRegex::Match::kYes:
      return true;
    case EcmaRegex::Match::kNo:
      if (results)
        results->pushError(context, "Failed to match regex specified by 'pattern' constraint.");
      return false;
    case EcmaRegex::Match::kTooCostly:
      break;
  }
  if (results) results->pushError(context, kPatternTooCostly);
  return false;
}

/// A named "type": valijson's answer, except for integers and numbers (see above).
template <typename Adapter>
bool has_type(const Adapter& target, valijson::constraints::TypeConstraint::JsonType type,
              bool strict) {
  using T = valijson::constraints::TypeConstraint;
  const double d = target.isDouble() ? target.getDouble() : std::nan("");
  const bool finite = std::isfinite(d);
  switch (type) {
    case T::kAny:
      return true;
    case T::kArray:
      return target.isArray();
    case T::kBoolean:
      return target.isBool() || (!strict && target.maybeBool());
    case T::kInteger:
      return target.isInteger() || (finite && std::trunc(d) == d) ||
             (!strict && target.maybeInteger());
    case T::kNull:
      return target.isNull() || (!strict && target.maybeNull());
    case T::kNumber:
      return target.isInteger() || finite || (!strict && target.maybeDouble());
    case T::kObject:
      return target.isObject();
    case T::kString:
      return target.isString();
    default:
      return false;
  }
}

/// One "patternProperties" entry: validates every member whose name the pattern matches against
/// `subschema`, as valijson's ValidatePatternPropertySubschemas does, with ECMA-262 matching.
struct PatternProperties {
  bool continue_on_success, continue_on_failure, continue_if_unmatched, strict;
  valijson::ValidationResults* results;
  std::set<std::string>* matched;
  bool* validated;
  std::unordered_map<std::string, std::regex>& regexes;  // valijson's, unused

  template <typename Adapter>
  bool operator()(const typename Adapter::Object& object, const std::vector<std::string>& context,
                  const std::string& pattern, const valijson::Subschema& subschema) const {
    const EcmaRegex& re = EcmaRegex::cached(pattern);
    bool found = false;
    for (const typename Adapter::ObjectMember m : object) {
      EcmaRegex::Match match = re.search(m.first);
      if (match == EcmaRegex::Match::kNo) continue;
      std::vector<std::string> inner = context;
      inner.push_back("[" + m.first + "]");
      bool ok = false;
      if (match == EcmaRegex::Match::kTooCostly) {
        if (results) results->pushError(inner, kPropertyPatternTooCostly + pattern + "'.");
      } else {
        found = true;
        if (matched) matched->insert(m.first);
        valijson::ValidationVisitor<Adapter> visitor(m.second, inner, strict, results, regexes);
        ok = visitor.validateSchema(subschema);
        if (!ok && results) {
          results->pushError(
              context,
              "Failed to validate against schema associated with pattern '" + pattern + "'.");
        }
      }
      if (ok) continue;
      if (validated) *validated = false;
      if (!continue_on_failure) return false;
    }
    if (!found && !continue_if_unmatched) return false;
    return continue_on_success;
  }
};

}  // namespace persona::schema::detail

// The specializations, one set per adapter.
#define PERSONA_SPEC_STRING_CONSTRAINTS(ADAPTER)                                               \
  template <>                                                                                  \
  inline bool ValidationVisitor<ADAPTER>::visit(const constraints::MaxLengthConstraint& c) {   \
    return persona::schema::detail::max_length(m_target, m_strictTypes, c.getMaxLength(),      \
                                               m_results, m_context);                          \
  }                                                                                            \
  template <>                                                                                  \
  inline bool ValidationVisitor<ADAPTER>::visit(const constraints::MinLengthConstraint& c) {   \
    return persona::schema::detail::min_length(m_target, m_strictTypes, c.getMinLength(),      \
                                               m_results, m_context);                          \
  }                                                                                            \
  template <>                                                                                  \
  inline bool ValidationVisitor<ADAPTER>::visit(const constraints::PatternConstraint& c) {     \
    return persona::schema::detail::pattern(m_target, m_strictTypes, c, m_results, m_context); \
  }

#define PERSONA_SPEC_VALUE_CONSTRAINTS(ADAPTER)                                             \
  template <>                                                                               \
  inline bool ValidationVisitor<ADAPTER>::ValidateNamedTypes::operator()(                   \
      constraints::TypeConstraint::JsonType type) const {                                   \
    bool valid = persona::schema::detail::has_type(m_target, type, m_strictTypes);          \
    if (valid && m_validated) *m_validated = true;                                          \
    return (valid && m_continueOnSuccess) || m_continueOnFailure;                           \
  }                                                                                         \
  template <>                                                                               \
  template <>                                                                               \
  inline bool ValidationVisitor<ADAPTER>::ValidatePatternPropertySubschemas::operator()(    \
      const constraints::PropertiesConstraint::String& pattern, const Subschema* subschema) \
      const {                                                                               \
    persona::schema::detail::PatternProperties match{                                       \
        m_continueOnSuccess, m_continueOnFailure, m_continueIfUnmatched, m_strictTypes,     \
        m_results,           m_propertiesMatched, m_validated,           m_regexesCache};   \
    return match.operator()<ADAPTER>(m_object, m_context, std::string(pattern.c_str()),     \
                                     *subschema);                                           \
  }

namespace valijson {
PERSONA_SPEC_STRING_CONSTRAINTS(persona::schema::NodeAdapter)
PERSONA_SPEC_STRING_CONSTRAINTS(adapters::NlohmannJsonAdapter)
PERSONA_SPEC_STRING_CONSTRAINTS(adapters::StdStringAdapter)
PERSONA_SPEC_VALUE_CONSTRAINTS(persona::schema::NodeAdapter)
PERSONA_SPEC_VALUE_CONSTRAINTS(adapters::NlohmannJsonAdapter)
}  // namespace valijson

#undef PERSONA_SPEC_STRING_CONSTRAINTS
#undef PERSONA_SPEC_VALUE_CONSTRAINTS
