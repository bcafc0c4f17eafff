#include "yaml/tree.h"

#include <yaml.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_set>

#include "core/text.h"
#include "yaml/escapes.h"

namespace persona::yaml {
namespace {

/// RAII owners of libyaml's C structs.
struct Parser {
  yaml_parser_t p;
  Parser() { yaml_parser_initialize(&p); }
  ~Parser() { yaml_parser_delete(&p); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};
struct Event {
  yaml_event_t e;
  bool live = false;
  ~Event() { reset(); }
  void reset() {
    if (live) yaml_event_delete(&e);
    live = false;
  }
};

bool is_digits(std::string_view s, std::string_view allowed) {
  if (s.empty()) return false;
  for (char c : s)
    if (allowed.find(c) == std::string_view::npos) return false;
  return true;
}

Mark mark_of(const yaml_mark_t& m) {
  return Mark{static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
}

/// The byte offset in `text` of its character number `chars` (libyaml's marks count characters).
std::size_t byte_offset(std::string_view text, std::size_t chars) {
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars-- == 0) break;
  }
  return i;
}

/// A collection being read: its node, the children read so far, and (for a large mapping) the
/// set of its keys.
struct Frame {
  /// Beyond this many keys a mapping's duplicate check hashes; below, a scan of the keys read
  /// so far is cheaper than hashing and copying each one.
  static constexpr std::size_t kScanKeys = 32;

  Node node;
  std::vector<Node> children;
  std::unordered_set<std::string_view> keys;  ///< views of keys' texts once over kScanKeys
  std::vector<std::unique_ptr<std::string>> key_texts;  ///< what `keys` views (stable addresses)

  void reset() {
    children.clear();
    if (!key_texts.empty()) {
      keys.clear();
      key_texts.clear();
    }
  }

  /// Records a mapping key; returns the key node already there with the same text, or nullptr.
  const Node* add_key(const std::string& key) {
    std::size_t count = children.size() / 2;  // keys read so far
    if (count < kScanKeys) {
      for (std::size_t i = 0; i < children.size(); i += 2)
        if (children[i].value == key) return &children[i];
      return nullptr;
    }
    if (key_texts.empty()) {
      for (std::size_t i = 0; i < children.size(); i += 2) {
        key_texts.push_back(std::make_unique<std::string>(children[i].value));
        keys.insert(*key_texts.back());
      }
    }
    if (keys.count(key)) {
      for (std::size_t i = 0; i < children.size(); i += 2)
        if (children[i].value == key) return &children[i];
    }
    key_texts.push_back(std::make_unique<std::string>(key));
    keys.insert(*key_texts.back());
    return nullptr;
  }
};

/// The collections open at one time, innermost last. Frames are kept (not destroyed) when a
/// collection closes, so their buffers serve the next collection at that depth: a collection's
/// children are gathered here and moved into its node once, at their final size.
struct Frames {
  std::vector<Frame> frames;
  std::size_t open = 0;

  Frame& top() { return frames[open - 1]; }
  void push(Node n) {
    if (open == frames.size()) frames.emplace_back();
    Frame& f = frames[open++];
    f.reset();
    f.node = std::move(n);
  }
  Node pop() {
    Frame& f = frames[--open];
    Node n = std::move(f.node);
    n.children.reserve(f.children.size());
    for (auto& c : f.children) n.children.push_back(std::move(c));
    release(f);
    return n;
  }
  /// After a parse that stopped early: drops what the frames still hold.
  void close_all() {
    while (open > 0) release(frames[--open]);
  }

 private:
  static void release(Frame& f) {
    f.reset();
    f.node = Node();
    // A huge collection does not keep its buffer for the rest of the thread's life.
    if (f.children.capacity() > 4096) std::vector<Node>().swap(f.children);
  }
};

/// One set of frames per thread, reused from file to file.
Frames& scratch_frames() {
  thread_local Frames frames;
  return frames;
}

class Builder {
 public:
  /// `wanted`: read only these top-level keys (parse_keys()); nullptr reads the whole file.
  Builder(std::string_view text, const std::string& file, const Limits& limits,
          std::size_t file_size, const std::vector<std::string_view>* wanted = nullptr)
      : text_(text), file_(file), limits_(limits), file_size_(file_size), wanted_(wanted) {}

  ParseResult run() {
    ParseResult out;
    std::size_t size = std::max(file_size_, text_.size());
    if (size > limits_.max_file_bytes) {
      fail("yaml-too-large", {0, 0},
           "file is " + std::to_string(size) + " bytes, over the limit of " +
               std::to_string(limits_.max_file_bytes) + " bytes");
      out.diagnostics = std::move(diags_);
      return out;
    }
    // Reading only some keys checks only the part of the text it reads, after reading it.
    if (!wanted_ && text_fault(text_)) {
      out.diagnostics = std::move(diags_);
      return out;
    }
    body_ = text_;
    if (body_.substr(0, 3) == "\xEF\xBB\xBF") body_.remove_prefix(3);
    std::optional<Node> root = read_events();
    if (wanted_) {
      // What libyaml read: up to where it stopped, or all of it after a problem (whose cause may
      // be a character that the check names better).
      std::size_t read = diags_.empty() ? byte_offset(body_, read_chars_) : body_.size();
      std::string_view prefix = text_.substr(0, text_.size() - body_.size() + read);
      std::vector<Diagnostic> found = std::move(diags_);
      diags_.clear();
      if (!text_fault(prefix)) diags_ = std::move(found);
      if (root && root->is_mapping()) root = only_wanted(std::move(*root));
    }
    if (diags_.empty()) {
      if (!root) {
        fail("yaml-root-not-mapping", {1, 1}, "file is empty; expected a mapping of fields");
      } else if (!root->is_mapping()) {
        fail("yaml-root-not-mapping", root->mark,
             std::string("the document is a ") + (root->is_sequence() ? "list" : "single value") +
                 "; expected a mapping of fields");
      }
    }
    if (diags_.empty()) out.root = std::move(root);
    out.diagnostics = std::move(diags_);
    return out;
  }

 private:
  /// Reports the first fault of the text (invalid UTF-8, a control character), if any.
  bool text_fault(std::string_view text) {
    auto fault = find_text_fault(text);
    if (!fault) return false;
    std::string code =
        fault->what.rfind("invalid UTF-8", 0) == 0 ? "yaml-invalid-utf8" : "yaml-control-character";
    fail(code, {fault->line, fault->column}, fault->what + " is not allowed");
    return true;
  }

  Node only_wanted(Node root) {
    Node out = make_mapping();
    out.mark = root.mark;
    out.end = root.end;
    for (std::size_t i = 0; i + 1 < root.children.size(); i += 2) {
      if (std::find(wanted_->begin(), wanted_->end(), root.children[i].value) == wanted_->end())
        continue;
      out.children.push_back(std::move(root.children[i]));
      out.children.push_back(std::move(root.children[i + 1]));
    }
    return out;
  }

  /// The events of the text, made into a tree; stops at the first problem, or (reading only
  /// some keys) once all of them are read.
  // One piece: libyaml's event loop, a switch over the event types that share the parser, the
  // stack of open collections and the document count; each case is a few lines that only make
  // sense beside the others (a mapping's start is checked against its end, a scalar against the
  // frame it goes into).
  std::optional<Node> read_events() {
    std::string_view body = body_;
    Parser parser;
    yaml_parser_set_input_string(&parser.p, reinterpret_cast<const unsigned char*>(body.data()),
                                 body.size());
    yaml_parser_set_encoding(&parser.p, YAML_UTF8_ENCODING);
    std::optional<Node> root;
    Frames& frames = scratch_frames();
    frames.open = 0;
    int documents = 0;
    bool done = false;
    while (!done && !stop_ && diags_.empty()) {
      Event ev;
      if (!yaml_parser_parse(&parser.p, &ev.e)) {
        syntax_error(parser.p);
        break;
      }
      ev.live = true;
      const yaml_event_t& e = ev.e;
      Mark at = mark_of(e.start_mark);
      read_chars_ = e.end_mark.index;
      switch (e.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
          break;
        case YAML_STREAM_END_EVENT:
          done = true;
          break;
        case YAML_DOCUMENT_START_EVENT:
          if (++documents > 1) {
            fail("yaml-multiple-documents", at,
                 "more than one YAML document in the file; a persona file holds exactly one");
          }
          break;
        case YAML_ALIAS_EVENT:
          fail("yaml-alias", at,
               "aliases are not allowed (found '*" +
                   std::string(reinterpret_cast<const char*>(e.data.alias.anchor)) + "')");
          break;
        case YAML_SCALAR_EVENT: {
          if (e.data.scalar.anchor) {
            anchor_error(at, e.data.scalar.anchor);
            break;
          }
          if (e.data.scalar.length > limits_.max_scalar_bytes) {
            fail("yaml-scalar-too-long", at,
                 "value is " + std::to_string(e.data.scalar.length) + " bytes, over the limit of " +
                     std::to_string(limits_.max_scalar_bytes));
            break;
          }
          Node n;
          n.kind = Kind::kScalar;
          n.mark = at;
          n.end = mark_of(e.end_mark);
          n.value.assign(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
          if (e.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
            if (auto cp = forbidden_in_value(n.value)) {
              escaped_control(*cp, e.start_mark, at);
              break;
            }
          }
          switch (e.data.scalar.style) {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE:
              n.style = Style::kSingleQuoted;
              break;
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
              n.style = Style::kDoubleQuoted;
              break;
            case YAML_LITERAL_SCALAR_STYLE:
              n.style = Style::kLiteral;
              break;
            case YAML_FOLDED_SCALAR_STYLE:
              n.style = Style::kFolded;
              break;
            default:
              n.style = Style::kPlain;
              break;
          }
          if (e.data.scalar.tag) {
            std::string tag(reinterpret_cast<const char*>(e.data.scalar.tag));
            if (tag != "tag:yaml.org,2002:str") {
              fail("yaml-tag", at, "tag '" + tag + "' is not supported; only '!!str' is");
              break;
            }
            // An explicit !!str makes even a plain scalar a string.
            if (n.style == Style::kPlain) n.style = Style::kSingleQuoted;
          }
          add(std::move(n), frames, root);
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          bool seq = e.type == YAML_SEQUENCE_START_EVENT;
          const yaml_char_t* anchor =
              seq ? e.data.sequence_start.anchor : e.data.mapping_start.anchor;
          const yaml_char_t* tag = seq ? e.data.sequence_start.tag : e.data.mapping_start.tag;
          if (anchor) {
            anchor_error(at, anchor);
            break;
          }
          if (tag) {
            fail("yaml-tag", at,
                 "tag '" + std::string(reinterpret_cast<const char*>(tag)) + "' is not supported");
            break;
          }
          if (static_cast<int>(frames.open) >= limits_.max_depth) {
            fail("yaml-too-deep", at,
                 "nesting is deeper than the limit of " + std::to_string(limits_.max_depth));
            break;
          }
          Node n;
          n.kind = seq ? Kind::kSequence : Kind::kMapping;
          n.mark = at;
          bool flow = seq ? e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                          : e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
          n.style = flow ? Style::kFlow : Style::kBlock;
          if (!count_node(at)) break;
          if (frames.open > 0 && frames.top().node.is_mapping() &&
              frames.top().children.size() % 2 == 0) {
            fail("yaml-complex-key", at, "mapping keys must be plain text, not collections");
            break;
          }
          frames.push(std::move(n));
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
          Node n = frames.pop();
          n.end = mark_of(e.end_mark);
          add_complete(std::move(n), frames, root);
          break;
        }
        default:
          break;
      }
    }
    // Stopped early with the keys wanted: the root mapping is the one collection still open.
    if (stop_ && diags_.empty() && frames.open == 1) root = frames.pop();
    frames.close_all();
    return root;
  }

  void fail(std::string code, Mark at, std::string message, std::string hint = {}) {
    diags_.push_back(Diagnostic{std::move(code), Severity::kError, file_, at.line, at.column,
                                std::move(message), std::move(hint)});
  }

  /// A control character that an escape put in a double-quoted scalar starting at `start`.
  void escaped_control(unsigned cp, const yaml_mark_t& start, Mark at) {
    std::string escape;
    Mark where = escape_mark(body_, byte_offset(body_, start.index), at, cp, escape);
    char buf[64];
    std::snprintf(buf, sizeof buf, "control character U+%04X", cp);
    std::string what = buf;
    if (!escape.empty()) what += " (written " + quote(escape) + ")";
    fail("yaml-control-character", where, what + " is not allowed",
         cp == '\r' ? "a line break is '\\n'" : "");
  }

  void anchor_error(Mark at, const yaml_char_t* anchor) {
    fail("yaml-anchor", at,
         "anchors are not allowed (found '&" + std::string(reinterpret_cast<const char*>(anchor)) +
             "'); write the value out in full");
  }

  void syntax_error(const yaml_parser_t& p) {
    std::string msg = p.problem ? p.problem : "unknown error";
    Mark at = mark_of(p.problem_mark);
    if (p.context) msg = std::string(p.context) + ": " + msg;
    fail("yaml-syntax", at, "invalid YAML: " + msg);
  }

  bool count_node(Mark at) {
    if (++nodes_ > limits_.max_nodes) {
      fail("yaml-too-many-nodes", at,
           "file has more than " + std::to_string(limits_.max_nodes) + " values");
      return false;
    }
    return true;
  }

  void add(Node n, Frames& frames, std::optional<Node>& root) {
    if (!count_node(n.mark)) return;
    add_complete(std::move(n), frames, root);
  }

  void add_complete(Node n, Frames& frames, std::optional<Node>& root) {
    if (frames.open == 0) {
      root = std::move(n);
      return;
    }
    Frame& parent = frames.top();
    if (parent.node.is_mapping() && parent.children.size() % 2 == 0) {
      if (!n.is_scalar()) {
        fail("yaml-complex-key", n.mark, "mapping keys must be plain text, not collections");
        return;
      }
      if (n.scalar_type() == ScalarType::kNull) {
        if (n.value.empty()) {
          fail("yaml-null-key", n.mark, "a mapping key is empty; keys must be text",
               "write the key's name before the ':'");
        } else {
          fail("yaml-null-key", n.mark,
               "mapping key " + quote(n.value) + " is null; keys must be text",
               "quote it (\"" + n.value + "\") if it is meant as text");
        }
        return;
      }
      if (const Node* first = parent.add_key(n.value)) {
        fail("yaml-duplicate-key", n.mark,
             "duplicate key " + quote(n.value) + " (first defined at line " +
                 std::to_string(first->mark.line) + ")");
        return;
      }
    }
    parent.children.push_back(std::move(n));
    // Reading only some keys: stop once the last of them has its value.
    if (wanted_ && frames.open == 1 && parent.node.is_mapping() &&
        parent.children.size() % 2 == 0) {
      const std::string& key = parent.children[parent.children.size() - 2].value;
      if (std::find(wanted_->begin(), wanted_->end(), key) != wanted_->end() &&
          ++found_ == wanted_->size())
        stop_ = true;
    }
  }

  std::string_view text_;
  std::string_view body_;  ///< the text without its byte order mark
  const std::string& file_;
  const Limits& limits_;
  std::size_t file_size_;
  const std::vector<std::string_view>* wanted_;
  std::size_t found_ = 0;
  bool stop_ = false;
  std::size_t read_chars_ = 0;  ///< characters of `body_` read, to the end of the last event
  std::vector<Diagnostic> diags_;
  std::size_t nodes_ = 0;
};

}  // namespace

const Node* Node::find_key(std::string_view k) const {
  if (!is_mapping()) return nullptr;
  for (std::size_t i = 0; i < children.size(); i += 2)
    if (children[i].value == k) return &children[i];
  return nullptr;
}

const Node* Node::find(std::string_view k) const {
  if (!is_mapping()) return nullptr;
  for (std::size_t i = 0; i + 1 < children.size(); i += 2)
    if (children[i].value == k) return &children[i + 1];
  return nullptr;
}

ScalarType resolve_plain(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarType::kNull;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE")
    return ScalarType::kBool;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && is_digits(s.substr(2), "01234567"))
    return ScalarType::kInt;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x' &&
      is_digits(s.substr(2), "0123456789abcdefABCDEF"))
    return ScalarType::kInt;
  std::string_view u = s;
  if (u[0] == '-' || u[0] == '+') u.remove_prefix(1);
  if (is_digits(u, "0123456789")) return ScalarType::kInt;
  if (u == ".inf" || u == ".Inf" || u == ".INF") return ScalarType::kFloat;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return ScalarType::kFloat;
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  std::size_t i = 0;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < u.size() && std::isdigit(static_cast<unsigned char>(u[i]))) ++i, ++int_digits;
  bool dot = false;
  if (i < u.size() && u[i] == '.') {
    dot = true;
    ++i;
    while (i < u.size() && std::isdigit(static_cast<unsigned char>(u[i]))) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return ScalarType::kString;
  bool exp = false;
  if (i < u.size() && (u[i] == 'e' || u[i] == 'E')) {
    ++i;
    if (i < u.size() && (u[i] == '-' || u[i] == '+')) ++i;
    std::size_t ed = 0;
    while (i < u.size() && std::isdigit(static_cast<unsigned char>(u[i]))) ++i, ++ed;
    if (ed == 0) return ScalarType::kString;
    exp = true;
  }
  if (i != u.size()) return ScalarType::kString;
  return (dot || exp) ? ScalarType::kFloat : ScalarType::kInt;
}

ScalarType Node::scalar_type() const {
  if (!is_scalar() || style != Style::kPlain) return ScalarType::kString;
  return resolve_plain(value);
}

Node make_scalar(std::string value, Style style) {
  Node n;
  n.kind = Kind::kScalar;
  n.style = style;
  n.value = std::move(value);
  return n;
}
Node make_plain(std::string value) { return make_scalar(std::move(value), Style::kPlain); }
Node make_sequence() {
  Node n;
  n.kind = Kind::kSequence;
  n.style = Style::kBlock;
  return n;
}
Node make_mapping() {
  Node n;
  n.kind = Kind::kMapping;
  n.style = Style::kBlock;
  return n;
}
void append(Node& mapping, std::string key, Node value) {
  mapping.children.push_back(make_scalar(std::move(key), Style::kPlain));
  mapping.children.push_back(std::move(value));
}

ParseResult parse(std::string_view text, const std::string& file, const Limits& limits,
                  std::size_t file_size) {
  return Builder(text, file, limits, file_size).run();
}

ParseResult parse_keys(std::string_view text, const std::string& file,
                       const std::vector<std::string_view>& keys, const Limits& limits) {
  return Builder(text, file, limits, 0, &keys).run();
}

}  // namespace persona::yaml
