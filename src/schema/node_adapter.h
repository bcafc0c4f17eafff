#pragma once
/// A valijson adapter over yaml::Node, so a parsed file is validated as it is instead of being
/// copied into an nlohmann::json first. Private to src/schema (it includes valijson).
///
/// It gives valijson exactly the view of the tree that schema::to_json() gives, which is what
/// the validation was defined on before: scalars typed by the YAML 1.2 core schema (the same
/// conversion, scalar_value(), builds both), an integer too large for 64 bits a double, and a
/// mapping's members in key order (nlohmann::json keeps objects in a std::map), so errors that
/// name "the first unknown property" name the same one. Keys must be unique, as yaml::parse
/// guarantees.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/internal/adapter.hpp>
#include <valijson/internal/basic_adapter.hpp>
#include <valijson/internal/frozen_value.hpp>
#include <vector>

#include "schema/schema.h"
#include "yaml/tree.h"

namespace persona::schema {

/// JSON types, as to_json() gives them.
enum class JsonType : std::uint8_t { kNull, kBool, kInteger, kDouble, kString, kArray, kObject };

/// A scalar as to_json() converts it.
struct ScalarValue {
  JsonType type = JsonType::kString;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
};
ScalarValue scalar_value(const yaml::Node& scalar);

class NodeAdapter;
class NodeArrayIterator;
class NodeObjectIterator;
using NodeObjectMember = std::pair<std::string, NodeAdapter>;

namespace detail {
/// What a default-constructed adapter holds: an empty object, as valijson's own adapters do.
inline const yaml::Node& empty_mapping() {
  static const yaml::Node empty = yaml::make_mapping();
  return empty;
}
}  // namespace detail

class NodeArray {
 public:
  using const_iterator = NodeArrayIterator;
  using iterator = NodeArrayIterator;
  NodeArray() : node_(&detail::empty_mapping()) {}
  explicit NodeArray(const yaml::Node& n) : node_(&n) {}
  NodeArrayIterator begin() const;
  NodeArrayIterator end() const;
  std::size_t size() const { return node_->children.size(); }

 private:
  const yaml::Node* node_;
};

class NodeObject {
 public:
  using const_iterator = NodeObjectIterator;
  using iterator = NodeObjectIterator;
  NodeObject() : node_(&detail::empty_mapping()) {}
  explicit NodeObject(const yaml::Node& n) : node_(&n) {}
  /// Members in key order (the order of std::map<std::string, ...>).
  NodeObjectIterator begin() const;
  NodeObjectIterator end() const;
  NodeObjectIterator find(std::string_view key) const;
  std::size_t size() const { return node_->size(); }

 private:
  const yaml::Node* node_;
};

class NodeFrozenValue : public valijson::adapters::FrozenValue {
 public:
  explicit NodeFrozenValue(nlohmann::json value) : value_(std::move(value)) {}
  FrozenValue* clone() const override { return new NodeFrozenValue(value_); }
  bool equalTo(const valijson::adapters::Adapter& other, bool strict) const override {
    return valijson::adapters::NlohmannJsonAdapter(value_).equalTo(other, strict);
  }

 private:
  nlohmann::json value_;
};

/// The value part of the adapter (valijson's BasicAdapter builds the rest on these calls).
class NodeValue {
 public:
  NodeValue() : node_(&detail::empty_mapping()), type_(JsonType::kObject) {}
  explicit NodeValue(const yaml::Node& n) : node_(&n) {
    switch (n.kind) {
      case yaml::Kind::kMapping:
        type_ = JsonType::kObject;
        return;
      case yaml::Kind::kSequence:
        type_ = JsonType::kArray;
        return;
      case yaml::Kind::kScalar:
        break;
    }
    if (n.style != yaml::Style::kPlain) {
      type_ = JsonType::kString;  // what scalar_value() says of every non-plain scalar
      return;
    }
    ScalarValue v = scalar_value(n);
    type_ = v.type;
    if (type_ == JsonType::kBool) boolean_ = v.boolean;
    if (type_ == JsonType::kInteger) integer_ = v.integer;
    if (type_ == JsonType::kDouble) number_ = v.number;
  }

  valijson::adapters::FrozenValue* freeze() const { return new NodeFrozenValue(to_json(*node_)); }

  ::opt::optional<NodeArray> getArrayOptional() const {
    if (type_ == JsonType::kArray) return ::opt::make_optional(NodeArray(*node_));
    return {};
  }
  bool getArraySize(std::size_t& result) const {
    if (type_ != JsonType::kArray) return false;
    result = node_->children.size();
    return true;
  }
  bool getBool(bool& result) const {
    if (type_ != JsonType::kBool) return false;
    result = boolean_;
    return true;
  }
  bool getDouble(double& result) const {
    if (type_ != JsonType::kDouble) return false;
    result = number_;
    return true;
  }
  bool getInteger(std::int64_t& result) const {
    if (type_ != JsonType::kInteger) return false;
    result = integer_;
    return true;
  }
  ::opt::optional<NodeObject> getObjectOptional() const {
    if (type_ == JsonType::kObject) return ::opt::make_optional(NodeObject(*node_));
    return {};
  }
  bool getObjectSize(std::size_t& result) const {
    if (type_ != JsonType::kObject) return false;
    result = node_->size();
    return true;
  }
  bool getString(std::string& result) const {
    if (type_ != JsonType::kString) return false;
    result = node_->value;
    return true;
  }
  static bool hasStrictTypes() { return true; }
  bool isArray() const { return type_ == JsonType::kArray; }
  bool isBool() const { return type_ == JsonType::kBool; }
  bool isDouble() const { return type_ == JsonType::kDouble; }
  bool isInteger() const { return type_ == JsonType::kInteger; }
  bool isNull() const { return type_ == JsonType::kNull; }
  bool isNumber() const { return type_ == JsonType::kInteger || type_ == JsonType::kDouble; }
  bool isObject() const { return type_ == JsonType::kObject; }
  bool isString() const { return type_ == JsonType::kString; }

  const yaml::Node& node() const { return *node_; }

 private:
  const yaml::Node* node_;
  JsonType type_;
  union {
    bool boolean_;
    std::int64_t integer_;
    double number_ = 0;
  };
};

class NodeAdapter
    : public valijson::adapters::BasicAdapter<NodeAdapter, NodeArray, NodeObjectMember, NodeObject,
                                              NodeValue> {
 public:
  NodeAdapter() : BasicAdapter(), node_(&detail::empty_mapping()) {}
  explicit NodeAdapter(const yaml::Node& n) : BasicAdapter(NodeValue(n)), node_(&n) {}
  /// The string itself, without the copy asString() makes; nullptr unless isString().
  const std::string* string_ptr() const { return isString() ? &node_->value : nullptr; }

 private:
  const yaml::Node* node_;
};

class NodeArrayIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = NodeAdapter;
  using difference_type = NodeAdapter;
  using pointer = NodeAdapter*;
  using reference = NodeAdapter&;

  explicit NodeArrayIterator(const yaml::Node* at) : at_(at) {}
  NodeAdapter operator*() const { return NodeAdapter(*at_); }
  valijson::adapters::DerefProxy<NodeAdapter> operator->() const {
    return valijson::adapters::DerefProxy<NodeAdapter>(**this);
  }
  bool operator==(const NodeArrayIterator& o) const { return at_ == o.at_; }
  bool operator!=(const NodeArrayIterator& o) const { return at_ != o.at_; }
  const NodeArrayIterator& operator++() {
    ++at_;
    return *this;
  }
  NodeArrayIterator operator++(int) {
    NodeArrayIterator before(*this);
    ++at_;
    return before;
  }
  const NodeArrayIterator& operator--() {
    --at_;
    return *this;
  }
  void advance(std::ptrdiff_t n) { at_ += n; }

 private:
  const yaml::Node* at_;
};

/// Walks a mapping's members in key order. The order is computed on the first step, since
/// valijson mostly looks members up by name (find) and walks them only on the way to an error.
class NodeObjectIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = NodeObjectMember;
  using difference_type = NodeObjectMember;
  using pointer = NodeObjectMember*;
  using reference = NodeObjectMember&;

  /// At the member whose key node is `key` (nullptr: the end).
  NodeObjectIterator(const yaml::Node* mapping, const yaml::Node* key) : map_(mapping), key_(key) {}
  /// At the first member in key order.
  static NodeObjectIterator first(const yaml::Node* mapping) {
    NodeObjectIterator it(mapping, nullptr);
    it.ensure_order();
    it.pos_ = 0;
    it.settle();
    return it;
  }

  NodeObjectMember operator*() const { return NodeObjectMember(key_->value, NodeAdapter(key_[1])); }
  valijson::adapters::DerefProxy<NodeObjectMember> operator->() const {
    return valijson::adapters::DerefProxy<NodeObjectMember>(**this);
  }
  bool operator==(const NodeObjectIterator& o) const { return key_ == o.key_; }
  bool operator!=(const NodeObjectIterator& o) const { return key_ != o.key_; }
  const NodeObjectIterator& operator++() {
    ensure_order();
    ++pos_;
    settle();
    return *this;
  }
  NodeObjectIterator operator++(int) {
    NodeObjectIterator before(*this);
    ++*this;
    return before;
  }
  const NodeObjectIterator& operator--() {
    ensure_order();
    --pos_;
    settle();
    return *this;
  }

 private:
  void ensure_order() {
    if (order_) return;
    const auto& c = map_->children;
    auto order = std::make_shared<std::vector<std::uint32_t>>(c.size() / 2);
    std::iota(order->begin(), order->end(), 0u);
    std::sort(order->begin(), order->end(), [&](std::uint32_t a, std::uint32_t b) {
      return c[std::size_t{2} * a].value < c[std::size_t{2} * b].value;
    });
    pos_ = order->size();
    for (std::size_t i = 0; i < order->size(); ++i)
      if (&c[std::size_t{2} * (*order)[i]] == key_) pos_ = i;
    order_ = std::move(order);
  }
  void settle() {
    key_ = pos_ < order_->size() ? &map_->children[std::size_t{2} * (*order_)[pos_]] : nullptr;
  }

  const yaml::Node* map_;
  const yaml::Node* key_;
  std::shared_ptr<const std::vector<std::uint32_t>> order_;
  std::size_t pos_ = 0;
};

inline NodeArrayIterator NodeArray::begin() const {
  return NodeArrayIterator(node_->children.data());
}
inline NodeArrayIterator NodeArray::end() const {
  return NodeArrayIterator(node_->children.data() + node_->children.size());
}
inline NodeObjectIterator NodeObject::begin() const { return NodeObjectIterator::first(node_); }
inline NodeObjectIterator NodeObject::end() const { return NodeObjectIterator(node_, nullptr); }
inline NodeObjectIterator NodeObject::find(std::string_view key) const {
  const auto& c = node_->children;
  for (std::size_t i = 0; i + 1 < c.size(); i += 2)
    if (c[i].value == key) return NodeObjectIterator(node_, &c[i]);
  return end();
}

}  // namespace persona::schema
