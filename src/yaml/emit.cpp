#include "yaml/emit.h"

#include <yaml-cpp/yaml.h>

#include <map>

#include "core/error.h"
#include "core/text.h"
#include "core/untrusted.h"

namespace persona::yaml {
namespace {

/// Multi-line text that a literal block scalar can carry exactly.
bool literal_fits(const std::string& v) {
  if (v.find('\n') == std::string::npos) return false;
  if (v.find('\r') != std::string::npos || v.find('\t') != std::string::npos) return false;
  if (v.front() == ' ' || v.front() == '\n') return false;
  std::size_t trailing = 0;
  while (trailing < v.size() && v[v.size() - 1 - trailing] == '\n') ++trailing;
  if (trailing > 1 || trailing == v.size()) return false;
  for (auto line : split_lines(v)) {
    if (!line.empty() && (line.back() == ' ')) return false;
  }
  return true;
}

class Writer {
 public:
  void write(YAML::Emitter& e, const Node& n) {
    switch (n.kind) {
      case Kind::kMapping:
        e << YAML::BeginMap;
        for (std::size_t i = 0; i < n.size(); ++i) {
          e << YAML::Key;
          // A key is its text: one that reads as null ("NULL", "~", or none) is quoted, since
          // a null is written "~" and the key would be renamed.
          if (n.key(i).is_scalar() && n.key(i).scalar_type() == ScalarType::kNull)
            e << YAML::DoubleQuoted << n.key(i).value;
          else
            write(e, n.key(i));
          e << YAML::Value;
          write(e, n.val(i));
        }
        e << YAML::EndMap;
        break;
      case Kind::kSequence:
        e << YAML::BeginSeq;
        for (const auto& c : n.children) write(e, c);
        e << YAML::EndSeq;
        break;
      case Kind::kScalar:
        scalar(e, n);
        break;
    }
  }
  std::vector<bool> strip_chomp;  ///< per literal block, in document order: needs "|-"

 private:
  void scalar(YAML::Emitter& e, const Node& n) {
    ScalarType t = n.scalar_type();
    if (t == ScalarType::kNull) {
      e << YAML::Null;
      return;
    }
    if (t != ScalarType::kString) {
      e << n.value;
      return;
    }
    // Unicode line and paragraph separators (and NEL) are line breaks to a YAML reader: only an
    // escape in a double-quoted scalar carries them through unchanged. Bidi and zero-width
    // characters are written as escapes too, so a file never hides text from its reviewers.
    if (terminal_safe(n.value, true) != n.value) {
      e << YAML::DoubleQuoted << YAML::EscapeNonAscii << n.value;
      return;
    }
    if (literal_fits(n.value)) {
      bool clip = n.value.back() == '\n';
      strip_chomp.push_back(!clip);
      e << YAML::Literal << (clip ? n.value.substr(0, n.value.size() - 1) : n.value);
      return;
    }
    // "---" and "..." at the start of a line end a YAML document: a key that begins with one is
    // written at the start of a line.
    if (n.value.empty() || resolve_plain(n.value) != ScalarType::kString ||
        n.value.find('\n') != std::string::npos || n.value.find('#') != std::string::npos ||
        n.value.starts_with("---") || n.value.starts_with("...")) {
      e << YAML::DoubleQuoted << n.value;
      return;
    }
    e << n.value;
  }
};

std::size_t indent_of(std::string_view l) {
  std::size_t i = 0;
  while (i < l.size() && l[i] == ' ') ++i;
  return i;
}

/// The lines of a text as a YAML reader (and so every Mark) counts them: ended by LF, CRLF, CR,
/// U+2028 or U+2029 (NEL, a C1 control, is refused before a file is read).
std::vector<std::string_view> yaml_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 0;
    if (text[i] == '\n') {
      len = 1;
    } else if (text[i] == '\r') {
      len = i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
    } else if (text.compare(i, 3, "\xE2\x80\xA8") == 0 || text.compare(i, 3, "\xE2\x80\xA9") == 0) {
      len = 3;
    }
    if (len == 0) {
      ++i;
      continue;
    }
    lines.push_back(text.substr(start, i - start));
    i += len;
    start = i;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

bool is_blank(std::string_view l) { return trim(l).empty(); }
bool is_comment(std::string_view l) {
  l = trim(l);
  return !l.empty() && l[0] == '#';
}

/// The number of lines at the top of a text that hold only comments or nothing; trailing blank
/// lines are not counted.
std::size_t header_extent(const std::vector<std::string_view>& lines) {
  std::size_t n = 0, last_comment = 0;
  while (n < lines.size() && (is_blank(lines[n]) || is_comment(lines[n]))) {
    if (is_comment(lines[n])) last_comment = n + 1;
    ++n;
  }
  return last_comment;
}

/// The canonical text of `root` after `header_lines`, not yet checked.
std::string write_text(const Node& root, const std::vector<std::string>& header_lines) {
  YAML::Emitter e;
  e.SetIndent(2);
  e.SetMapFormat(YAML::Block);
  e.SetSeqFormat(YAML::Block);
  Writer w;
  w.write(e, root);
  if (!e.good()) throw io_error("cannot write YAML: " + e.GetLastError());
  std::string raw = e.c_str();
  std::vector<std::string_view> lines = split_lines(raw);
  std::string out;
  for (const auto& h : header_lines) out += h + "\n";
  std::size_t literal = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line(lines[i]);
    // Lines that are only indentation occur inside literal blocks: drop the spaces.
    if (trim(line).empty()) line.clear();
    bool header = line.size() >= 2 && line.compare(line.size() - 2, 2, " |") == 0 &&
                  i + 1 < lines.size() && indent_of(lines[i + 1]) > indent_of(line);
    if (header && literal < w.strip_chomp.size()) {
      if (w.strip_chomp[literal]) line += "-";
      ++literal;
    }
    out += line;
    out += '\n';
  }
  return out;
}

/// The first scalar (key or value, in document order) that does not read back the same when
/// written on its own.
const Node* unrepresentable(const Node& n) {
  if (n.is_scalar()) {
    Node alone = make_mapping();
    alone.children.push_back(make_plain("k"));
    alone.children.push_back(n);
    auto back = parse(write_text(alone, {}), "<canonical form>");
    return back.root && same_data(alone, *back.root) ? nullptr : &n;
  }
  for (const auto& c : n.children)
    if (const Node* bad = unrepresentable(c)) return bad;
  return nullptr;
}

}  // namespace

std::string emit(const Node& root, const std::vector<std::string>& header_lines) {
  Emitted e = try_emit(root, header_lines);
  if (!e.text) {
    throw io_error("internal error: canonical YAML would not read back the same",
                   "please report this with the file that caused it");
  }
  return std::move(*e.text);
}

Emitted try_emit(const Node& root, const std::vector<std::string>& header_lines) {
  Emitted result;
  std::string out = write_text(root, header_lines);
  auto back = parse(out, "<canonical form>");
  if (back.root && same_data(root, *back.root)) {
    result.text = std::move(out);
    return result;
  }
  result.problem = back.root ? "it would not read back the same"
                             : "it would not read back: " + back.diagnostics.front().message;
  const Node* bad = unrepresentable(root);
  result.at = bad ? bad->mark : root.mark;
  return result;
}

bool same_data(const Node& a, const Node& b) {
  if (a.kind != b.kind || a.children.size() != b.children.size()) return false;
  // A null is a null however it is spelled ("", "null", "~"): emit writes every one as "~".
  if (a.is_scalar())
    return a.scalar_type() == b.scalar_type() &&
           (a.scalar_type() == ScalarType::kNull || a.value == b.value);
  for (std::size_t i = 0; i < a.children.size(); ++i) {
    // A mapping's keys are compared by their text, which is what names a field.
    if (a.is_mapping() && i % 2 == 0) {
      if (a.children[i].kind != b.children[i].kind || a.children[i].value != b.children[i].value)
        return false;
    } else if (!same_data(a.children[i], b.children[i])) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> leading_comments(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  auto lines = yaml_lines(text);
  std::vector<std::string> out;
  for (std::size_t i = 0, n = header_extent(lines); i < n; ++i) {
    // Blank lines before the first comment are dropped; trailing spaces never matter.
    if (out.empty() && is_blank(lines[i])) continue;
    std::string_view l = lines[i];
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    out.emplace_back(l);
  }
  return out;
}

std::optional<Mark> find_inner_comment(std::string_view text, const Node& root) {
  // Column ranges [from, to) per line that belong to scalars; to = 0 means "to the end".
  std::map<int, std::vector<std::pair<int, int>>> spans;
  std::vector<const Node*> todo{&root};
  while (!todo.empty()) {
    const Node* n = todo.back();
    todo.pop_back();
    if (!n->is_scalar()) {
      for (const auto& c : n->children) todo.push_back(&c);
      continue;
    }
    if (n->mark.line == n->end.line) {
      spans[n->mark.line].push_back({n->mark.column, n->end.column});
    } else {
      spans[n->mark.line].push_back({n->mark.column, 0});
      for (int l = n->mark.line + 1; l < n->end.line; ++l) spans[l].push_back({1, 0});
      spans[n->end.line].push_back({1, n->end.column});
    }
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  auto lines = yaml_lines(text);
  std::size_t skip = header_extent(lines);
  for (std::size_t li = skip; li < lines.size(); ++li) {
    int line_no = static_cast<int>(li) + 1;
    std::string_view l = lines[li];
    int col = 0;
    char prev = ' ';
    for (std::size_t i = 0; i < l.size(); ++i) {
      if ((static_cast<unsigned char>(l[i]) & 0xC0) == 0x80) continue;
      ++col;
      if (l[i] == '#' && (prev == ' ' || prev == '\t')) {
        bool inside = false;
        auto it = spans.find(line_no);
        if (it != spans.end()) {
          for (auto [from, to] : it->second)
            if (col >= from && (to == 0 || col < to)) inside = true;
        }
        if (!inside) return Mark{line_no, col};
      }
      prev = l[i];
    }
  }
  return std::nullopt;
}

}  // namespace persona::yaml
