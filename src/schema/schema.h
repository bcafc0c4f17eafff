#pragma once
/// JSON Schema validation of YAML trees (valijson over nlohmann::json; the only module that
/// includes valijson). Errors come back as Diagnostics placed on the offending YAML node, with
/// messages written for people rather than valijson's own.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "yaml/tree.h"

namespace persona::schema {

/// The YAML tree as JSON, scalars typed by the YAML 1.2 core schema.
nlohmann::json to_json(const yaml::Node& node);

/// The codes of the diagnostics that say a file fails its JSON Schema, sorted: a file satisfies
/// the schema exactly when none of its diagnostics has one of them. Each starts with "schema";
/// no other code of persona's does. validate() may also report "pattern-match-limit" (a pattern
/// gave up on a value), which is no verdict.
const std::vector<std::string>& verdict_codes();
/// Whether `code` is one of verdict_codes().
bool is_verdict(std::string_view code);

/// One loaded JSON Schema (draft-07). Immutable after load; validate() may be called from
/// several threads at once.
class Schema {
 public:
  /// Parses `json_text`; `origin` names it in errors. Throws persona::Error when the text is not
  /// JSON, not a schema valijson accepts, or has a "pattern" that is no regular expression.
  static std::shared_ptr<const Schema> load(std::string_view json_text, const std::string& origin);
  /// The embedded default for a name such as "persona" or "library" (schema/<name>.schema.json).
  static std::shared_ptr<const Schema> builtin(const std::string& name);

  ~Schema();
  /// Validates `doc`, which must be to_json(root); diagnostics are placed on root's nodes.
  std::vector<Diagnostic> validate(const yaml::Node& root, const nlohmann::json& doc,
                                   const std::string& file) const;
  /// The same diagnostics as validate(root, to_json(root), file), without building the JSON:
  /// valijson reads the tree itself. `root` must have unique keys in every mapping, as
  /// yaml::parse guarantees (trees built in code may not).
  std::vector<Diagnostic> validate(const yaml::Node& root, const std::string& file) const;

  /// Top-level property names in the order the schema lists them (canonical key order).
  const std::vector<std::string>& property_order() const { return order_; }
  /// The schema's "description" of a top-level property, or "".
  std::string describe(const std::string& property) const;
  const nlohmann::ordered_json& raw() const { return raw_; }
  const std::string& origin() const { return origin_; }
  /// The schema as hints name it: the origin, without the "(built-in) " of an embedded one.
  std::string display_name() const;

 private:
  Schema() = default;
  template <typename Adapter>
  std::vector<Diagnostic> run(const yaml::Node& root, const Adapter& target,
                              const std::string& file) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  nlohmann::ordered_json raw_;
  std::vector<std::string> order_;
  std::string origin_;
};

}  // namespace persona::schema
