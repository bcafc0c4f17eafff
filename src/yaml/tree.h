#pragma once
/// YAML reading: libyaml's event parser builds our own tree, with a source position on every
/// node, under hard limits so hostile input is refused instead of crashing or hanging. This is
/// the only module that includes libyaml.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace persona::yaml {

struct Mark {
  int line = 0;    ///< 1-based
  int column = 0;  ///< 1-based, characters
};

enum class Kind { kScalar, kSequence, kMapping };
enum class Style { kPlain, kSingleQuoted, kDoubleQuoted, kLiteral, kFolded, kFlow, kBlock };

/// The type a scalar resolves to under the YAML 1.2 core schema (only plain scalars can be
/// anything but a string).
enum class ScalarType { kString, kNull, kBool, kInt, kFloat };

struct Node {
  Kind kind = Kind::kScalar;
  Mark mark;  ///< where the node starts
  Mark end;   ///< just past the node's last character
  Style style = Style::kPlain;
  std::string value;  ///< scalar text
  /// Sequence: the items. Mapping: keys and values alternating (key0, value0, key1, ...).
  std::vector<Node> children;

  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_mapping() const { return kind == Kind::kMapping; }
  std::size_t size() const { return is_mapping() ? children.size() / 2 : children.size(); }
  const Node& key(std::size_t i) const { return children[2 * i]; }
  const Node& val(std::size_t i) const { return children[2 * i + 1]; }
  /// Value for a key of a mapping, or nullptr.
  const Node* find(std::string_view key) const;
  const Node* find_key(std::string_view key) const;
  ScalarType scalar_type() const;
};

/// Builders for trees made in code (contribution records, canonical reordering).
Node make_scalar(std::string value, Style style = Style::kDoubleQuoted);
Node make_plain(std::string value);  ///< a plain scalar (typed: numbers, booleans)
Node make_sequence();
Node make_mapping();
/// Appends key/value to a mapping (no duplicate check: builders are trusted code).
void append(Node& mapping, std::string key, Node value);

/// Resolution of a plain scalar under the YAML 1.2 core schema.
ScalarType resolve_plain(std::string_view s);

struct Limits {
  std::size_t max_file_bytes = 1 << 20;     ///< 1 MiB
  int max_depth = 64;                       ///< nested collections
  std::size_t max_scalar_bytes = 64 << 10;  ///< 64 KiB
  std::size_t max_nodes = 200000;
};

struct ParseResult {
  std::optional<Node> root;  ///< set only when the file parsed without error
  std::vector<Diagnostic> diagnostics;
};

/// Parses one document whose root must be a mapping. `file` is used in diagnostics only.
/// Refuses: files over the size cap, invalid UTF-8, NUL and control characters (raw or written
/// as escapes), anchors and aliases, duplicate keys, null and non-scalar keys, nesting deeper
/// than the cap, over-long scalars, more than one document, tags other than the core ones, a
/// root that is not a mapping. `file_size` is the file's real size when `text` holds only its
/// first bytes (a file read up to the cap); 0 means `text.size()`.
ParseResult parse(std::string_view text, const std::string& file, const Limits& limits = {},
                  std::size_t file_size = 0);

/// The top-level values of the keys named in `keys` (a persona's pid, what a list page shows),
/// read with parse()'s parser and checks, so a key reads the same here as in `validate`
/// (`pid: APP-153 # note` is 'APP-153'). Reading stops as soon as every key has been read:
/// `root`, set when what was read has no problem, is a mapping of the keys found in file order
/// (a key the file lacks is absent); problems only in the part not read are not reported.
ParseResult parse_keys(std::string_view text, const std::string& file,
                       const std::vector<std::string_view>& keys, const Limits& limits = {});

}  // namespace persona::yaml
