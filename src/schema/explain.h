#pragma once
/// valijson's errors, written for people: each becomes a Diagnostic placed on the YAML node it is
/// about, with a stable code from one table (explain.cpp). Private to src/schema.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "yaml/tree.h"

namespace persona::schema::detail {

/// The descriptions pushed for a search that gave up (EcmaRegex::Match::kTooCostly), which
/// valijson has no message of its own for. The second is followed by the pattern and "'.".
inline constexpr const char* kPatternTooCostly =
    "Regex match limit exceeded for 'pattern' constraint.";
inline constexpr const char* kPropertyPatternTooCostly =
    "Regex match limit exceeded for 'patternProperties' constraint: '";

/// One error of valijson's: where (its context, "<root>", "[key]", "[index]", ...) and what.
struct RawError {
  const std::vector<std::string>& context;
  const std::string& description;
};

/// Whether the error only says that something inside failed (reported on its own).
bool is_wrapper(const std::string& description);

/// The diagnostic for `error`, on the node of `root` its context leads to. `schema` is the raw
/// schema the error comes from.
Diagnostic explain(const nlohmann::ordered_json& schema, const yaml::Node& root,
                   const RawError& error, const std::string& file);

/// Several missing fields of one mapping as one diagnostic, whose hint names `schema_name`.
std::vector<Diagnostic> merge_required(std::vector<Diagnostic> diagnostics,
                                       const std::string& schema_name);

}  // namespace persona::schema::detail
