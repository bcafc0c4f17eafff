#include "schema/schema.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>

#include "core/embedded.h"
#include "core/error.h"
#include "core/text.h"
#include "schema/ecma_regex.h"
#include "schema/explain.h"
#include "schema/node_adapter.h"
#include "schema/spec_constraints.h"

namespace persona::schema {

struct Schema::Impl {
  valijson::Schema schema;
};

Schema::~Schema() = default;

ScalarValue scalar_value(const yaml::Node& n) {
  using yaml::ScalarType;
  ScalarValue out;
  const std::string& v = n.value;
  switch (n.scalar_type()) {
    case ScalarType::kNull:
      out.type = JsonType::kNull;
      break;
    case ScalarType::kBool:
      out.type = JsonType::kBool;
      out.boolean = v[0] == 't' || v[0] == 'T';
      break;
    case ScalarType::kInt: {
      errno = 0;
      long long x;
      if (v.size() > 2 && v[1] == 'o') {
        x = std::strtoll(v.c_str() + 2, nullptr, 8);
      } else if (v.size() > 2 && v[1] == 'x') {
        x = std::strtoll(v.c_str() + 2, nullptr, 16);
      } else {
        x = std::strtoll(v.c_str(), nullptr, 10);
      }
      if (errno == ERANGE) {
        out.type = JsonType::kDouble;
        out.number = std::strtod(v.c_str(), nullptr);
      } else {
        out.type = JsonType::kInteger;
        out.integer = x;
      }
      break;
    }
    case ScalarType::kFloat: {
      out.type = JsonType::kDouble;
      std::string_view s = v;
      bool neg = !s.empty() && s[0] == '-';
      if (s.find("inf") != std::string_view::npos || s.find("Inf") != std::string_view::npos ||
          s.find("INF") != std::string_view::npos) {
        out.number = neg ? -std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::infinity();
      } else if (s.find("nan") != std::string_view::npos ||
                 s.find("NaN") != std::string_view::npos ||
                 s.find("NAN") != std::string_view::npos) {
        out.number = std::numeric_limits<double>::quiet_NaN();
      } else {
        out.number = std::strtod(v.c_str(), nullptr);
      }
      break;
    }
    case ScalarType::kString:
      out.type = JsonType::kString;
      break;
  }
  return out;
}

nlohmann::json to_json(const yaml::Node& n) {
  using yaml::Kind;
  switch (n.kind) {
    case Kind::kMapping: {
      nlohmann::json obj = nlohmann::json::object();
      for (std::size_t i = 0; i < n.size(); ++i) obj[n.key(i).value] = to_json(n.val(i));
      return obj;
    }
    case Kind::kSequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& c : n.children) arr.push_back(to_json(c));
      return arr;
    }
    case Kind::kScalar:
      break;
  }
  ScalarValue v = scalar_value(n);
  switch (v.type) {
    case JsonType::kNull:
      return nullptr;
    case JsonType::kBool:
      return v.boolean;
    case JsonType::kInteger:
      return static_cast<long long>(v.integer);
    case JsonType::kDouble:
      return v.number;
    default:
      break;
  }
  return n.value;
}

namespace {

/// Compiles every regular expression of `schema` (its "pattern"s and "patternProperties"), so
/// that one which is not valid is an error of the schema, reported when it is loaded. Walks the
/// keywords whose values are schemas, so a property that happens to be named "pattern" is not
/// taken for one.
void compile_patterns(const nlohmann::json& schema) {
  if (schema.is_array()) {  // allOf, anyOf, oneOf, items as a tuple
    for (const auto& s : schema) compile_patterns(s);
    return;
  }
  if (!schema.is_object()) return;
  if (auto p = schema.find("pattern"); p != schema.end() && p->is_string())
    EcmaRegex::cached(p->get<std::string>());
  if (auto pp = schema.find("patternProperties"); pp != schema.end() && pp->is_object()) {
    for (const auto& [pattern, sub] : pp->items()) {
      EcmaRegex::cached(pattern);
      compile_patterns(sub);
    }
  }
  for (const char* map : {"properties", "definitions", "dependencies"})
    if (auto m = schema.find(map); m != schema.end() && m->is_object())
      for (const auto& [name, sub] : m->items()) compile_patterns(sub);
  for (const char* key : {"items", "additionalItems", "additionalProperties", "contains",
                          "propertyNames", "not", "if", "then", "else", "allOf", "anyOf", "oneOf"})
    if (auto sub = schema.find(key); sub != schema.end()) compile_patterns(*sub);
}

}  // namespace

std::shared_ptr<const Schema> Schema::load(std::string_view text, const std::string& origin) {
  std::shared_ptr<Schema> s(new Schema());
  s->origin_ = origin;
  try {
    s->raw_ = nlohmann::ordered_json::parse(text);
    nlohmann::json plain = nlohmann::json::parse(text);
    s->impl_ = std::make_unique<Impl>();
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(plain);
    parser.populateSchema(adapter, s->impl_->schema);
    compile_patterns(plain);
  } catch (const std::exception& e) {
    std::string what = e.what();
    // nlohmann prefixes its messages with "[json.exception.parse_error.101] ".
    if (!what.empty() && what[0] == '[' && what.find("] ") != std::string::npos)
      what = what.substr(what.find("] ") + 2);
    throw io_error("invalid schema " + quote(origin, 200) + ": " + what);
  }
  if (s->raw_.contains("properties") && s->raw_["properties"].is_object()) {
    for (const auto& [k, v] : s->raw_["properties"].items()) s->order_.push_back(k);
  }
  return s;
}

std::shared_ptr<const Schema> Schema::builtin(const std::string& name) {
  // Parsed once per process: callers may hold references for as long as they like.
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Schema>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[name];
  if (slot) return slot;
  std::string path = "schema/" + name + ".schema.json";
  auto data = embedded_file(path);
  if (!data) throw io_error("no built-in schema " + quote(path));
  slot = load(*data, "(built-in) " + path);
  return slot;
}

std::string Schema::describe(const std::string& property) const {
  if (!raw_.contains("properties")) return {};
  const auto& props = raw_["properties"];
  if (!props.contains(property)) return {};
  const auto& p = props[property];
  if (p.contains("description") && p["description"].is_string())
    return p["description"].get<std::string>();
  return {};
}

std::string Schema::display_name() const {
  const std::string builtin = "(built-in) ";
  return origin_.rfind(builtin, 0) == 0 ? origin_.substr(builtin.size()) : origin_;
}

std::vector<Diagnostic> Schema::validate(const yaml::Node& root, const nlohmann::json& doc,
                                         const std::string& file) const {
  return run(root, valijson::adapters::NlohmannJsonAdapter(doc), file);
}

std::vector<Diagnostic> Schema::validate(const yaml::Node& root, const std::string& file) const {
  return run(root, NodeAdapter(root), file);
}

template <typename Adapter>
std::vector<Diagnostic> Schema::run(const yaml::Node& root, const Adapter& target,
                                    const std::string& file) const {
  thread_local std::unique_ptr<valijson::Validator> validator;
  if (!validator)
    validator = std::make_unique<valijson::Validator>(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  const bool valid = validator->validate(impl_->schema, target, &results);

  std::vector<Diagnostic> out;
  std::optional<valijson::ValidationResults::Error> first_wrapper;
  valijson::ValidationResults::Error err;
  while (results.popError(err)) {
    if (!detail::is_wrapper(err.description)) {
      out.push_back(detail::explain(raw_, root, {err.context, err.description}, file));
    } else if (!first_wrapper) {
      first_wrapper = err;
    }
  }
  // A failure that valijson gives no message of its own for (a "false" schema, propertyNames)
  // is still a failure: reported where the first trace of it points, else on the document.
  if (!valid && out.empty()) {
    static const std::vector<std::string> kRoot = {"<root>"};
    static const std::string kUnexplained =
        "Fails a keyword that gives no reason (such as "
        "propertyNames, or a schema that is false).";
    detail::RawError why =
        first_wrapper ? detail::RawError{first_wrapper->context, first_wrapper->description}
                      : detail::RawError{kRoot, kUnexplained};
    out.push_back(detail::explain(raw_, root, why, file));
  }
  return detail::merge_required(std::move(out), display_name());
}

}  // namespace persona::schema
