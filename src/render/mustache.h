#pragma once
/// The website's template engine: Mustache as kainjow-mustache 4.1 (Debian's
/// libkainjow-mustache-dev) reads and renders it, byte for byte, for everything our templates can
/// hold (variables, {{{ }}} and {{& }}, sections, inverted sections, comments, partials, set
/// delimiters, dotted names, {{.}}), without lambdas. It exists for speed: kainjow keeps its data
/// in hash maps of heap nodes and walks templates through std::function callbacks, and making its
/// data was most of an export's time. Here a template is parsed once into a flat list, data is a
/// small tree of vectors built directly by the renderer, and output is appended to one string.
/// tests/unit/mustache_test.cpp renders the same templates and data with kainjow and compares.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace persona::render::mustache {

/// Template data: false, true, a string, a list, or an object whose members keep their order.
/// As in kainjow: a section is skipped for false, a missing name and an empty list; it repeats for
/// each item of a list and is entered once for anything else (an empty string or object too);
/// only strings are printed by {{name}}.
class Value {
 public:
  enum class Kind : std::uint8_t { kFalse, kTrue, kString, kList, kObject };

  Value() = default;  ///< false
  Value(bool b) : kind_(b ? Kind::kTrue : Kind::kFalse) {}
  Value(std::string s) : kind_(Kind::kString), str_(std::move(s)) {}
  Value(std::string_view s) : kind_(Kind::kString), str_(s) {}
  Value(const char* s) : kind_(Kind::kString), str_(s) {}
  static Value list() { return Value(Kind::kList); }
  static Value object() { return Value(Kind::kObject); }

  Kind kind() const { return kind_; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_object() const { return kind_ == Kind::kObject; }

  /// An object's member: replaces the value of an existing key, else appends. Returns the stored
  /// value. Throws std::logic_error on a value that is not an object.
  Value& set(std::string_view key, Value v);
  /// Appends to a list. Throws std::logic_error on a value that is not a list.
  Value& push(Value v);

  /// An object's member by key, or nullptr (also for values that are not objects).
  const Value* get(std::string_view key) const;
  Value* get(std::string_view key);
  /// The string of a string value ("" for the others).
  const std::string& str() const { return str_; }
  /// A list's items or an object's values, in order.
  const std::vector<Value>& items() const { return items_; }
  /// An object's keys, in the order of items().
  const std::vector<std::string>& keys() const { return keys_; }
  bool empty() const { return items_.empty(); }

 private:
  explicit Value(Kind k) : kind_(k) {}
  Kind kind_ = Kind::kFalse;
  std::string str_;
  std::vector<Value> items_;
  std::vector<std::string> keys_;
};

/// A parsed template: immutable once made, so one can be rendered from several threads at once.
class Template {
 public:
  Template() = default;
  /// Parses `text`. When it is not valid Mustache, error() is kainjow's message for it, ending in
  /// the byte offset of the fault: "Unclosed tag at 12", "Invalid set delimiter tag at 3",
  /// "Unopened section \"x\" at 40", "Unclosed section \"x\" at 7".
  explicit Template(std::string_view text);
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;
  ~Template();

  bool valid() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  /// Looks up a partial by the name in {{> name}}; nullptr renders nothing.
  using Partials = std::function<const Template*(std::string_view name)>;

  /// Appends the template rendered with `data` to `out`. {{name}} HTML-escapes (html_escape),
  /// {{{name}}} and {{&name}} do not. A partial renders in place, sharing the line it sits on with
  /// the including template (kainjow's rules for dropping lines that hold only section tags and
  /// whitespace apply across the two), and does not indent.
  void render(const Value& data, const Partials& partials, std::string& out) const;

 private:
  struct Node;
  struct Render;  ///< one render's state: output, line, context stack (mustache.cpp)
  std::vector<Node> nodes_;
  std::string error_;
};

}  // namespace persona::render::mustache
