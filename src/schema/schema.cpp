#include "schema/schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>

#include "core/embedded.h"
#include "core/error.h"
#include "core/text.h"
#include "schema/node_adapter.h"

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
    case JsonType::kNull: return nullptr;
    case JsonType::kBool: return v.boolean;
    case JsonType::kInteger: return static_cast<long long>(v.integer);
    case JsonType::kDouble: return v.number;
    default: break;
  }
  return n.value;
}

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

std::string type_name(const yaml::Node& n) {
  switch (n.kind) {
    case yaml::Kind::kMapping: return "a mapping";
    case yaml::Kind::kSequence: return "a list";
    case yaml::Kind::kScalar: break;
  }
  switch (n.scalar_type()) {
    case yaml::ScalarType::kNull: return "empty (null)";
    case yaml::ScalarType::kBool: return "a boolean";
    case yaml::ScalarType::kInt: return "an integer";
    case yaml::ScalarType::kFloat: return "a number";
    case yaml::ScalarType::kString: return "a string";
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

std::string after_quote(const std::string& d) {
  // "... 'name'." -> name
  auto close = d.rfind('\'');
  if (close == std::string::npos || close == 0) return {};
  auto open = d.rfind('\'', close - 1);
  if (open == std::string::npos) return {};
  return d.substr(open + 1, close - open - 1);
}

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

}  // namespace

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
  if (!validator) validator = std::make_unique<valijson::Validator>(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  validator->validate(impl_->schema, target, &results);

  std::vector<Diagnostic> out;
  valijson::ValidationResults::Error err;
  while (results.popError(err)) {
    const std::string& d = err.description;
    if (is_wrapper(d)) continue;
    // Walk the context ("<root>", "[key]", "[index]") to the YAML node and its subschema.
    const yaml::Node* node = &root;
    const yaml::Node* key_node = nullptr;
    const OJson* sub = resolve_ref(raw_, &raw_);
    std::string path;
    for (std::size_t i = 1; i < err.context.size() && node; ++i) {
      std::string seg = err.context[i];
      if (seg.size() >= 2 && seg.front() == '[' && seg.back() == ']') seg = seg.substr(1, seg.size() - 2);
      if (node->is_mapping()) {
        key_node = node->find_key(seg);
        node = node->find(seg);
        path += (path.empty() ? "" : ".") + seg;
        sub = (sub && sub->contains("properties") && (*sub)["properties"].contains(seg))
                  ? resolve_ref(raw_, &(*sub)["properties"][seg])
                  : nullptr;
      } else if (node->is_sequence()) {
        std::size_t idx = std::strtoul(seg.c_str(), nullptr, 10);
        node = idx < node->children.size() ? &node->children[idx] : nullptr;
        key_node = nullptr;
        path += "[" + std::to_string(idx + 1) + "]";
        sub = (sub && sub->contains("items")) ? resolve_ref(raw_, &(*sub)["items"]) : nullptr;
      } else {
        node = nullptr;
      }
    }
    if (!node) node = &root;
    std::string subject = path.empty() ? "the document" : "'" + path + "'";
    Diagnostic diag;
    diag.file = file;
    diag.line = node->mark.line;
    diag.column = node->mark.column;
    auto describe_sub = [&]() -> std::string {
      if (sub && sub->contains("description") && (*sub)["description"].is_string())
        return (*sub)["description"].get<std::string>();
      return {};
    };
    if (d.rfind("Missing required property", 0) == 0) {
      std::string name = after_quote(d);
      diag.code = "schema-required";
      diag.message = "missing required field '" + (path.empty() ? name : path + "." + name) + "'";
      const OJson* psub = (sub && sub->contains("properties") && (*sub)["properties"].contains(name))
                              ? resolve_ref(raw_, &(*sub)["properties"][name])
                              : nullptr;
      const OJson* described = (sub && sub->contains("properties") && (*sub)["properties"].contains(name))
                                   ? &(*sub)["properties"][name]
                                   : psub;
      if (described && described->contains("description"))
        diag.hint = (*described)["description"].get<std::string>();
    } else if (d.rfind("Object contains a property that could not be validated", 0) == 0) {
      std::string name = after_quote(d);
      diag.code = "schema-unknown-field";
      diag.message = "unknown field '" + name + "'";
      if (const yaml::Node* k = node->find_key(name)) {
        diag.line = k->mark.line;
        diag.column = k->mark.column;
      }
      std::vector<std::string> allowed;
      if (sub && sub->contains("properties"))
        for (const auto& [k, v] : (*sub)["properties"].items()) allowed.push_back(k);
      diag.hint = did_you_mean(name, allowed);
    } else if (d.rfind("Value type not permitted", 0) == 0) {
      diag.code = "schema-type";
      std::string want = expected_type(sub);
      diag.message = subject + " must be " + want + ", not " + type_name(*node);
      if (want == "a string" && node->is_scalar())
        diag.hint = "put the value in quotes to keep it as text: \"" + node->value + "\"";
    } else if (d.rfind("Failed to match regex", 0) == 0) {
      diag.code = "schema-pattern";
      std::string pattern = sub && sub->contains("pattern") ? (*sub)["pattern"].get<std::string>() : "";
      diag.message = subject + " value " + quote(node->value) + " does not match " + quote(pattern, 200);
      diag.hint = describe_sub();
    } else if (d.rfind("String should be no more than", 0) == 0) {
      diag.code = "schema-max-length";
      diag.message = subject + " is " + std::to_string(utf8_length(node->value)) +
                     " characters long, over the limit of " + number_text(sub, "maxLength");
    } else if (d.rfind("String should be no fewer than", 0) == 0) {
      diag.code = "schema-min-length";
      diag.message = node->value.empty() ? subject + " is empty"
                                         : subject + " is shorter than " +
                                               number_text(sub, "minLength") + " characters";
      if (node->value.empty()) diag.code = "empty-string";
      diag.hint = describe_sub();
    } else if (d.rfind("Array should contain no more than", 0) == 0) {
      diag.code = "schema-max-items";
      diag.message = subject + " has " + std::to_string(node->children.size()) +
                     " items, over the limit of " + number_text(sub, "maxItems");
    } else if (d.rfind("Array should contain no fewer than", 0) == 0) {
      diag.code = "schema-min-items";
      diag.message = subject + " needs at least " + number_text(sub, "minItems") +
                     (number_text(sub, "minItems") == "1" ? " item" : " items");
      diag.hint = describe_sub();
    } else if (d.rfind("Expected number greater than", 0) == 0) {
      diag.code = "schema-minimum";
      diag.message = sub && sub->contains("exclusiveMinimum")
                         ? subject + " must be greater than " + number_text(sub, "exclusiveMinimum")
                         : subject + " must be at least " + number_text(sub, "minimum");
    } else if (d.rfind("Expected number less than", 0) == 0) {
      diag.code = "schema-maximum";
      diag.message = subject + " must be at most " + number_text(sub, "maximum");
    } else if (d.rfind("Failed to match against any enum values", 0) == 0) {
      diag.code = "schema-enum";
      std::vector<std::string> allowed;
      std::string list;
      if (sub && sub->contains("enum"))
        for (const auto& v : (*sub)["enum"]) {
          std::string s = v.is_string() ? v.get<std::string>() : v.dump();
          allowed.push_back(s);
          list += (list.empty() ? "" : ", ") + s;
        }
      diag.message = subject + " value " + quote(node->value) + " is not one of: " + list;
      diag.hint = did_you_mean(node->value, allowed);
    } else {
      diag.code = "schema";
      std::string m = d;
      if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
      while (!m.empty() && m.back() == '.') m.pop_back();
      diag.message = subject + ": " + m;
    }
    (void)key_node;
    out.push_back(std::move(diag));
  }
  // Several missing fields of one mapping read better as one problem.
  std::vector<Diagnostic> merged;
  for (auto& d : out) {
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
    same->hint = "schema/persona.schema.json describes each field";
  }
  return merged;
}

}  // namespace persona::schema
