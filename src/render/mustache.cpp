#include "render/mustache.h"

#include <stdexcept>
#include <utility>

#include "render/escape.h"

namespace persona::render::mustache {

// ---- Value ------------------------------------------------------------------------------------

Value& Value::set(std::string_view key, Value v) {
  if (kind_ != Kind::kObject)
    throw std::logic_error("mustache::Value::set on a value that is not an object");
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      items_[i] = std::move(v);
      return items_[i];
    }
  }
  keys_.emplace_back(key);
  items_.push_back(std::move(v));
  return items_.back();
}

Value& Value::push(Value v) {
  if (kind_ != Kind::kList)
    throw std::logic_error("mustache::Value::push on a value that is not a list");
  items_.push_back(std::move(v));
  return items_.back();
}

const Value* Value::get(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  // Objects hold a few dozen members at most: a scan of short strings beats hashing them.
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i];
  return nullptr;
}

Value* Value::get(std::string_view key) {
  return const_cast<Value*>(std::as_const(*this).get(key));
}

// ---- Template: parsing ------------------------------------------------------------------------

/// One entry of the flat template. Sections are not nested objects: a section's children are the
/// nodes after it up to `end`, so skipping a section is a jump. Comments and set-delimiter tags
/// render nothing and leave no node (kainjow keeps them, but they neither print nor touch the line
/// state). Text is merged into runs: kainjow splits it at every space and tab, which only matters
/// for newlines; a run and the newline ending it are one kLine node, to halve the nodes walked.
struct Template::Node {
  enum class Op : std::uint8_t { kText, kLine, kVar, kRawVar, kSection, kInverted, kPartial };
  Op op = Op::kText;
  bool dot = false;  ///< the name is "." (the top of the context stack)
  std::size_t end =
      0;  ///< kSection, kInverted: one past the section's last child; kLine: newline size
  std::string
      text;  ///< the text (kLine: then its newline, "\r\n", "\n" or "\r"), or the tag's name
  /// A dotted name split as kainjow splits it (std::getline on '.': "a..b" is a, "", b and a
  /// trailing '.' adds nothing); empty for names without a dot.
  std::vector<std::string> parts;
};

namespace {

/// std::isspace in the "C" locale, which is what kainjow's trim() and delimiter check use.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

/// kainjow's parse_set_delimiter_tag: `contents` is the trimmed tag, starting with '='.
bool parse_set_delimiter(std::string_view contents, std::string& begin, std::string& end) {
  if (contents.size() < 5 || contents.back() != '=') return false;  // the smallest is "=X X="
  std::string_view inner = trim(contents.substr(1, contents.size() - 2));
  std::size_t space = inner.find(' ');
  if (space == std::string_view::npos) return false;
  std::size_t second = inner.find_first_not_of(' ', space + 1);
  if (second == std::string_view::npos) return false;  // cannot happen: inner is trimmed
  std::string_view b = inner.substr(0, space), e = inner.substr(second);
  for (std::string_view d : {b, e})
    for (char c : d)
      if (c == '=' || is_space(c)) return false;
  begin = b;
  end = e;
  return true;
}

std::vector<std::string> split_dotted(std::string_view name) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  while (from < name.size()) {
    std::size_t dot = name.find('.', from);
    if (dot == std::string_view::npos) dot = name.size();
    parts.emplace_back(name.substr(from, dot - from));
    from = dot + 1;
  }
  return parts;
}

}  // namespace

// One piece: one pass over the template text, a small state machine (the current delimiters,
// the stack of open sections) that every kind of tag reads and changes; split by tag, each part
// would take and return all of that state.
Template::Template(std::string_view in) {
  using Op = Node::Op;
  std::string begin = "{{", end = "}}";
  bool brace = true;   // the delimiters are the default ones: only then is {{{ }}} a tag
  bool merge = false;  // the last node is a text run that more text may join

  struct Section {
    std::size_t node;
    std::size_t position;
    bool closed = false;  ///< by a closer with its own name
  };
  std::vector<Section> sections;  // every section, in order of their opening tags
  std::vector<std::size_t> open;  // indices into `sections`

  auto fail = [&](std::string message) {
    error_ = std::move(message);
    nodes_.clear();
  };
  auto add_text = [&](char c) {
    if (!merge) {
      nodes_.emplace_back().op = Op::kText;
      merge = true;
    }
    nodes_.back().text += c;
  };
  auto add_named = [&](Op op, std::string_view name) {
    Node n;
    n.op = op;
    n.text = name;
    n.dot = name == ".";
    if (!n.dot && name.find('.') != std::string_view::npos) n.parts = split_dotted(name);
    nodes_.push_back(std::move(n));
    merge = false;
  };

  const std::size_t n = in.size();
  for (std::size_t pos = 0; pos != n;) {
    if (in.substr(pos, begin.size()) != begin) {
      // kainjow's newlines: "\r\n", "\n", and a lone "\r" too.
      std::size_t nl = 0;
      if (in[pos] == '\r')
        nl = pos + 1 < n && in[pos + 1] == '\n' ? 2 : 1;
      else if (in[pos] == '\n')
        nl = 1;
      if (nl) {
        if (!merge) nodes_.emplace_back();
        Node& line = nodes_.back();
        line.op = Op::kLine;
        line.text += in.substr(pos, nl);
        line.end = nl;
        merge = false;
        pos += nl;
      } else {
        add_text(in[pos++]);
      }
      continue;
    }

    const std::size_t start = pos;
    std::size_t contents_at = start + begin.size();
    const bool triple = brace && start != n - 2 && in[contents_at] == '{';
    if (triple) ++contents_at;
    // The closing delimiter's length before a set-delimiter tag changes it, as kainjow takes it.
    const std::string close = triple ? "}}}" : end;
    const std::size_t close_at = in.find(close, contents_at);
    if (close_at == std::string_view::npos) {
      fail("Unclosed tag at " + std::to_string(start));
      return;
    }
    pos = close_at + close.size();
    std::string_view contents = trim(in.substr(contents_at, close_at - contents_at));

    if (!contents.empty() && contents[0] == '=') {  // even inside {{{ }}}, as in kainjow
      if (!parse_set_delimiter(contents, begin, end)) {
        fail("Invalid set delimiter tag at " + std::to_string(start));
        return;
      }
      brace = begin == "{{" && end == "}}";
      continue;
    }
    if (triple) {
      add_named(Op::kRawVar, contents);
      continue;
    }
    const char sigil = contents.empty() ? '\0' : contents[0];
    const std::string_view name = trim(contents.substr(contents.empty() ? 0 : 1));
    switch (sigil) {
      case '#':
      case '^':
        sections.push_back({nodes_.size(), start});
        open.push_back(sections.size() - 1);
        add_named(sigil == '#' ? Op::kSection : Op::kInverted, name);
        break;
      case '/': {
        if (open.empty()) {
          fail("Unopened section \"" + std::string(name) + "\" at " + std::to_string(start));
          return;
        }
        // Any closer ends the innermost section; a wrong name is reported only after parsing,
        // as "Unclosed section" of the first such section (kainjow checks the tree afterwards).
        Section& s = sections[open.back()];
        s.closed = nodes_[s.node].text == name;
        nodes_[s.node].end = nodes_.size();
        open.pop_back();
        merge = false;
        break;
      }
      case '>':
        add_named(Op::kPartial, name);
        break;
      case '&':
        add_named(Op::kRawVar, name);
        break;
      case '!':
        break;
      default:
        add_named(Op::kVar, contents);
        break;
    }
  }
  for (const Section& s : sections) {
    if (!s.closed) {
      fail("Unclosed section \"" + nodes_[s.node].text + "\" at " + std::to_string(s.position));
      return;
    }
  }
}

Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;
Template::~Template() = default;

// ---- Template: rendering ----------------------------------------------------------------------

/// kainjow renders into a line buffer and, at each newline, drops the line when a section was
/// rendered on it and it holds only spaces and tabs. Here the line is the tail of `out` from
/// `line_start`, so nothing is copied twice: a dropped line is cut off again.
struct Template::Render {
  const Partials& partials;
  std::string& out;
  std::size_t line_start;
  bool section_line = false;  ///< kainjow's contained_section_tag
  bool failed = false;        ///< a partial failed in the template being rendered (see partial())
  std::vector<const Value*> stack;

  Render(const Partials& p, std::string& o) : partials(p), out(o), line_start(o.size()) {}

  bool line_is_blank() const {
    for (std::size_t i = line_start; i < out.size(); ++i)
      if (out[i] != ' ' && out[i] != '\t') return false;
    return true;
  }

  /// kainjow's render_current_line; `newline` is empty at the end of the output.
  void end_line(std::string_view newline) {
    if (section_line && line_is_blank())
      out.resize(line_start);
    else
      out += newline;
    line_start = out.size();
    section_line = false;
  }

  /// kainjow's context::get: "." is the top of the stack; other names are looked up in each
  /// context from the top, a dotted one taking all its parts in the same context.
  const Value* find(const Node& n) const {
    if (n.dot) return stack.back();
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
      if (n.parts.empty()) {
        if (const Value* v = (*it)->get(n.text)) return v;
        continue;
      }
      const Value* v = *it;
      for (const std::string& part : n.parts)
        if (!(v = v->get(part))) break;
      if (v) return v;
    }
    return nullptr;
  }

  static bool is_falsy(const Value* v) {
    return !v || v->kind() == Value::Kind::kFalse || (v->is_list() && v->empty());
  }

  /// kainjow's render_section: the flag is set before and after the children, so both the opening
  /// tag's line and the closing tag's line count as holding a section tag.
  void section(const Template& t, std::size_t first, std::size_t last, const Value* v) {
    if (v && v->is_list() && !v->empty()) {
      for (const Value& item : v->items()) {
        section_line = true;
        stack.push_back(&item);
        run(t, first, last);
        section_line = true;
        stack.pop_back();
      }
      return;
    }
    section_line = true;
    if (v) stack.push_back(v);  // also false or an empty list in an inverted section, as kainjow
    run(t, first, last);
    section_line = true;
    if (v) stack.pop_back();
  }

  /// Renders nodes [i, last) of `t`. Returns true when a partial failed: kainjow then stops the
  /// list of components it was walking (the rest of this section's pass, or of the template) and
  /// marks the template failed, which stops the caller of a partial in turn.
  bool run(const Template& t, std::size_t i, std::size_t last) {
    using Op = Node::Op;
    while (i < last) {
      const Node& n = t.nodes_[i];
      switch (n.op) {
        case Op::kText:
          out += n.text;
          break;
        case Op::kLine: {
          const std::size_t text = n.text.size() - n.end;
          out.append(n.text, 0, text);
          end_line(std::string_view(n.text).substr(text));
          break;
        }
        case Op::kVar:
          if (const Value* v = find(n); v && v->is_string()) html_escape_append(out, v->str());
          break;
        case Op::kRawVar:
          if (const Value* v = find(n); v && v->is_string()) out += v->str();
          break;
        case Op::kSection:
          if (const Value* v = find(n); !is_falsy(v)) section(t, i + 1, n.end, v);
          i = n.end;
          continue;
        case Op::kInverted:
          if (const Value* v = find(n); is_falsy(v)) section(t, i + 1, n.end, v);
          i = n.end;
          continue;
        case Op::kPartial:
          if (partial(n.text)) return true;
          break;
      }
      ++i;
    }
    return false;
  }

  /// Renders a partial in place, on the caller's line and context stack. An invalid partial (or
  /// one in which a nested partial failed) fails the template that includes it, as in kainjow;
  /// kainjow also keeps that error in the including template object, so later renders of it print
  /// nothing; a Template stays immutable and does not.
  bool partial(std::string_view name) {
    const Template* p = partials ? partials(name) : nullptr;
    if (!p) return false;
    if (!p->valid()) return failed = true;
    const bool outer = failed;
    failed = false;
    run(*p, 0, p->nodes_.size());
    const bool inner = failed;
    failed = outer || inner;
    return inner;
  }
};

void Template::render(const Value& data, const Partials& partials, std::string& out) const {
  if (!valid()) return;
  Render r(partials, out);
  r.stack.reserve(16);
  r.stack.push_back(&data);
  r.run(*this, 0, nodes_.size());
  r.end_line({});
}

}  // namespace persona::render::mustache
