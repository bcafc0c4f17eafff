#include "library/rules.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <unordered_map>

#include "core/text.h"
#include "library/fields.h"

namespace persona {
namespace {

Diagnostic make(const PersonaFile& f, std::string code, yaml::Mark at, std::string message,
                std::string hint = {}) {
  return Diagnostic{std::move(code), Severity::kError,   f.path,         at.line,
                    at.column,       std::move(message), std::move(hint)};
}

const yaml::Node* string_node(const yaml::Node& root, std::string_view key) {
  const yaml::Node* n = root.find(key);
  if (!n || !n->is_scalar() || n->scalar_type() != yaml::ScalarType::kString) return nullptr;
  return n;
}

/// Where a value is, for messages ("goals[2]", "a.b"): the path from a starting label, spelled
/// out only when a message needs it (most strings have no problem).
class Label {
 public:
  explicit Label(const std::string& start) : start_(start) {}
  void push_key(const std::string& key) { parts_.push_back({&key, 0}); }
  void push_index(std::size_t i) { parts_.push_back({nullptr, i}); }
  void pop() { parts_.pop_back(); }
  std::string str() const {
    std::string label = start_;
    for (const auto& p : parts_) {
      if (p.key) {
        label = label.empty() ? *p.key : label + "." + *p.key;
      } else {
        label += '[';
        label += std::to_string(p.index + 1);
        label += ']';
      }
    }
    return label;
  }

 private:
  struct Part {
    const std::string* key;  ///< nullptr: a list index
    std::size_t index;
  };
  const std::string& start_;
  std::vector<Part> parts_;
};

template <typename Fn>
void each_string_at(const yaml::Node& n, Label& label, Fn& fn) {
  if (n.is_mapping()) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      label.push_key(n.key(i).value);
      each_string_at(n.val(i), label, fn);
      label.pop();
    }
  } else if (n.is_sequence()) {
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      label.push_index(i);
      each_string_at(n.children[i], label, fn);
      label.pop();
    }
  } else if (n.scalar_type() == yaml::ScalarType::kString) {
    fn(n, label);
  }
}

/// Every string scalar in the document, with its label for messages.
template <typename Fn>
void each_string(const yaml::Node& n, const std::string& start, Fn fn) {
  Label label(start);
  each_string_at(n, label, fn);
}

/// "'a'", "'a' and 'b'", "'a', 'b' and 'c'".
std::string join_and(const std::vector<std::string>& parts) {
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) s += i + 1 == parts.size() ? " and " : ", ";
    s += parts[i];
  }
  return s;
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) & 0x80);
}

/// "[App]", "[Role/Archetype]", "[situation]": bracketed placeholders that are not Markdown
/// links, task boxes or citations.
std::optional<std::size_t> find_placeholder(std::string_view s, std::string* found,
                                            std::size_t from = 0) {
  for (std::size_t i = s.find('[', from); i != std::string_view::npos; i = s.find('[', i + 1)) {
    std::size_t close = s.find(']', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view inner = s.substr(i + 1, close - i - 1);
    if (inner.size() < 2 || inner.size() > 40) continue;
    if (!std::isalpha(static_cast<unsigned char>(inner[0]))) continue;
    bool words = true;
    for (char c : inner)
      if (!(std::isalpha(static_cast<unsigned char>(c)) || c == ' ' || c == '/' || c == '-' ||
            c == '_'))
        words = false;
    if (!words) continue;
    char next = close + 1 < s.size() ? s[close + 1] : '\0';
    if (next == '(' || next == '[' || next == ':') continue;
    *found = std::string(s.substr(i, close - i + 1));
    return i;
  }
  return std::nullopt;
}

/// Every distinct placeholder in `s`, in order.
std::vector<std::string> find_placeholders(std::string_view s) {
  std::vector<std::string> out;
  std::string found;
  for (auto at = find_placeholder(s, &found); at;
       at = find_placeholder(s, &found, *at + found.size()))
    if (std::find(out.begin(), out.end(), found) == out.end()) out.push_back(found);
  return out;
}

/// A scaffold prompt left unanswered: a line ending in "? —" (or "?—", "? --").
std::optional<std::string> find_empty_prompt(std::string_view s) {
  if (s.find('?') == std::string_view::npos) return std::nullopt;  // a prompt ends in '?'
  for (auto line : split_lines(s)) {
    std::string_view t = trim(line);
    for (std::string_view dash : {"\xE2\x80\x94", "--", "\xE2\x80\x93"}) {
      if (t.size() > dash.size() && t.substr(t.size() - dash.size()) == dash) {
        std::string_view before = trim(t.substr(0, t.size() - dash.size()));
        if (!before.empty() && before.back() == '?') return std::string(t);
      }
    }
  }
  return std::nullopt;
}

std::string last_word(std::string_view s) {
  std::size_t end = s.size();
  std::size_t start = end;
  while (start > 0 && s[start - 1] != ' ' && s[start - 1] != '\n') --start;
  return std::string(s.substr(start, end - start));
}

/// Text that stops mid-word or mid-sentence: its last character is a letter, digit, comma,
/// colon, semicolon, dash or opening bracket.
bool stops_mid_sentence(std::string_view s) {
  s = trim(s);
  if (s.empty()) return false;
  unsigned char c = static_cast<unsigned char>(s.back());
  if (c >= 0x80) {
    // An em or en dash at the end is an unfinished thought; other non-ASCII endings (closing
    // quotes, ellipsis) are fine.
    return s.size() >= 3 &&
           (s.substr(s.size() - 3) == "\xE2\x80\x94" || s.substr(s.size() - 3) == "\xE2\x80\x93");
  }
  return std::isalnum(c) || c == ',' || c == ';' || c == ':' || c == '-' || c == '(' || c == '[';
}

/// Text whose last line is an item of a Markdown list ("- APP-116 (...): ..."): list items are
/// fragments, not sentences.
bool ends_in_list(std::string_view s) {
  s = trim(s);
  std::size_t nl = s.rfind('\n');
  std::string_view last = trim(nl == std::string_view::npos ? s : s.substr(nl + 1));
  if (last.size() > 2 && (last[0] == '-' || last[0] == '*' || last[0] == '+') && last[1] == ' ')
    return true;
  std::size_t digits = 0;
  while (digits < last.size() && std::isdigit(static_cast<unsigned char>(last[digits]))) ++digits;
  return digits > 0 && digits + 2 < last.size() && (last[digits] == '.' || last[digits] == ')') &&
         last[digits + 1] == ' ';
}

void check_jtbd(const PersonaFile& f, const yaml::Node& n, std::vector<Diagnostic>& out) {
  std::string_view s = trim(n.value);
  if (s.empty()) return;
  std::string low = to_lower(s);
  std::string missing;
  std::size_t want = low.find(", i want to ");
  if (low.rfind("when i ", 0) != 0 && low.rfind("when i'", 0) != 0) {
    missing = "it must start with 'When I'";
  } else if (want == std::string::npos) {
    missing = "', I want to' is missing";
  } else if (low.find(", so ", want + 1) == std::string::npos) {
    missing = "', so ...' is missing after 'I want to'";
  }
  if (!missing.empty()) {
    out.push_back(make(f, "jtbd-form", n.mark, "'jtbd' is not a job story: " + missing,
                       "write it as 'When I <situation>, I want to <motivation>, so <outcome>.'"));
  }
}

/// locate() on a text already split into lines (split_lines()), for a file with several needles.
yaml::Mark locate_in(const std::vector<std::string_view>& lines, const yaml::Node& node,
                     std::string_view needle) {
  if (needle.empty()) return node.mark;
  int last = std::max(node.end.line, node.mark.line);
  for (int l = node.mark.line; l <= last && l >= 1 && l <= static_cast<int>(lines.size()); ++l) {
    std::string_view line = lines[l - 1];
    std::size_t from = 0;
    if (l == node.mark.line) {
      // Skip to the node's start column (columns are characters, bytes may be more).
      int col = 1;
      while (from < line.size() && col < node.mark.column) {
        ++from;
        while (from < line.size() && (static_cast<unsigned char>(line[from]) & 0xC0) == 0x80)
          ++from;
        ++col;
      }
    }
    std::size_t at = line.find(needle, from);
    if (at != std::string_view::npos)
      return yaml::Mark{l, static_cast<int>(utf8_length(line.substr(0, at))) + 1};
  }
  return node.mark;
}

/// The last occurrence of `needle` within `node`'s source (the text's lines as split_lines()
/// cuts them), or the node's start.
yaml::Mark locate_last(const std::vector<std::string_view>& lines, const yaml::Node& node,
                       std::string_view needle) {
  // The byte offset of character column `col` (1-based) of `line`.
  auto byte_at = [](std::string_view line, int col) {
    std::size_t i = 0;
    for (int c = 1; i < line.size() && c < col; ++c) {
      ++i;
      while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) ++i;
    }
    return i;
  };
  int first = node.mark.line;
  int last = std::max(node.end.line, first);
  for (int l = std::min(last, static_cast<int>(lines.size())); l >= first && l >= 1; --l) {
    std::string_view line = lines[l - 1];
    std::size_t from = l == first ? byte_at(line, node.mark.column) : 0;
    std::size_t to =
        l == node.end.line && node.end.line > 0 ? byte_at(line, node.end.column) : line.size();
    if (to < from + needle.size()) continue;
    std::size_t at = line.substr(0, to).rfind(needle);
    if (at != std::string_view::npos && at >= from)
      return yaml::Mark{l, static_cast<int>(utf8_length(line.substr(0, at))) + 1};
  }
  return node.mark;
}

/// name-app-mismatch, app-slug and path-mismatch: 'name' is "The <app> <archetype>", the app's
/// name makes a folder name, and the file is where its app and name place it.
void name_and_path_rules(const PersonaFile& f, bool check_path, std::vector<Diagnostic>& out) {
  const yaml::Node* name = string_node(*f.root, "name");
  const yaml::Node* app = string_node(*f.root, "app");
  if (!name || !app || name->value.rfind("The ", 0) != 0 || trim(app->value).empty()) return;
  const std::string& a = app->value;
  std::string_view rest = std::string_view(name->value).substr(4);
  bool names_app =
      rest.size() > a.size() + 1 && rest.compare(0, a.size(), a) == 0 && rest[a.size()] == ' ';
  if (!names_app) {
    if (!legacy_app_name(name->value, a).empty()) return;  // legacy-format says it
    out.push_back(
        make(f, "name-app-mismatch", name->mark,
             "'name' " + quote(name->value) + " does not start with 'The' and the app " + quote(a),
             "write it as 'The <App> <Archetype>', e.g. 'The " + a + " Power User'"));
    return;
  }
  if (app_slug(a).empty()) {
    out.push_back(make(f, "app-slug", app->mark,
                       "'app' " + quote(a) + " has no ASCII letter or digit to name its folder",
                       "personas live under personas/<app in lowercase ASCII>/; write the app's "
                       "name with at least one letter or digit from a-z or 0-9"));
    return;
  }
  if (!check_path) return;
  std::string expected = canonical_persona_path(a, name->value);
  if (f.path != expected) {
    out.push_back(make(f, "path-mismatch", name->mark,
                       "file is at " + quote(f.path, 200) +
                           " but its 'app' and 'name' place it at " + quote(expected, 200),
                       "git mv " + f.path + " " + expected));
  }
}

/// legacy-format: one diagnostic for each difference from the earlier persona format (the app
/// as a slug, worldview and impact as text, composability as a list), each with its fix.
void legacy_format_rules(const PersonaFile& f, std::vector<Diagnostic>& out) {
  const yaml::Node& root = *f.root;
  const yaml::Node* name = string_node(root, "name");
  const yaml::Node* app = string_node(root, "app");
  if (name && app) {
    std::string word = legacy_app_name(name->value, app->value);
    if (!word.empty()) {
      out.push_back(
          make(f, "legacy-format", app->mark,
               "'app' is the slug " + quote(app->value) +
                   " of the earlier format; the format writes the app's name, " + quote(word),
               "write 'app: " + word + "', or run 'persona migrate' to convert every file"));
    }
  }
  // The three fields whose shape the published format changed; any other field of the wrong
  // shape is only the schema's business.
  for (const auto& def : profile_fields()) {
    if (def.name != "worldview" && def.name != "impact" && def.name != "composability") continue;
    const yaml::Node* n = root.find(def.name);
    if (!n) continue;
    std::string field(def.name);
    if (def.kind == FieldKind::kList && n->is_scalar() &&
        n->scalar_type() == yaml::ScalarType::kString) {
      out.push_back(
          make(f, "legacy-format", n->mark,
               quote(field) + " is text, as in the earlier format; the format makes it a list",
               "run 'persona migrate': each paragraph of the text becomes an item"));
    } else if (def.kind == FieldKind::kText && n->is_sequence()) {
      out.push_back(
          make(f, "legacy-format", n->mark,
               quote(field) + " is a list, as in the earlier format; the format makes it text",
               "run 'persona migrate': the items become bullet lines ('- item') of the text"));
    }
  }
}

}  // namespace

yaml::Mark locate(const std::string& text, const yaml::Node& node, std::string_view needle) {
  if (needle.empty()) return node.mark;
  return locate_in(split_lines(text), node, needle);
}

namespace {

/// empty-string and template-text, in every string of the file.
void string_rules(const PersonaFile& f, std::vector<Diagnostic>& out) {
  const yaml::Node& root = *f.root;
  const std::string no_label;
  each_string(root, no_label, [&](const yaml::Node& n, const Label& label) {
    std::string_view v = n.value;
    if (!v.empty() && trim(v).empty()) {
      const std::string where = label.str();
      out.push_back(make(f, "empty-string", n.mark, "'" + where + "' is blank"));
      return;
    }
    if (auto placeholders = find_placeholders(v); !placeholders.empty()) {
      const std::string where = label.str();
      std::vector<std::string> quoted;
      quoted.reserve(placeholders.size());
      for (const auto& p : placeholders) quoted.push_back(quote(p));
      out.push_back(make(f, "template-text", locate(f.text, n, placeholders.front()),
                         "'" + where + "' still has the template placeholder" +
                             (quoted.size() == 1 ? " " : "s ") + join_and(quoted),
                         quoted.size() == 1 ? "replace it with the real text"
                                            : "replace them with the real text"));
    } else if (auto prompt = find_empty_prompt(v)) {
      const std::string where = label.str();
      out.push_back(make(f, "template-text", locate(f.text, n, *prompt),
                         "'" + where + "' is an unanswered prompt " + quote(*prompt),
                         "answer the question and remove the prompt"));
    }
  });
}

/// truncated-text and jtbd-form, in the text fields.
void text_field_rules(const PersonaFile& f, std::vector<Diagnostic>& out) {
  const yaml::Node& root = *f.root;
  for (const auto& def : profile_fields()) {
    const yaml::Node* n = root.find(def.name);
    if (!n) continue;
    if (def.kind == FieldKind::kText && n->is_scalar() &&
        n->scalar_type() == yaml::ScalarType::kString) {
      if (stops_mid_sentence(n->value) && !find_empty_prompt(n->value) && !ends_in_list(n->value)) {
        std::string word = last_word(trim(n->value));
        out.push_back(
            make(f, "truncated-text", locate_last(split_lines(f.text), *n, word),
                 "'" + std::string(def.name) + "' stops mid-sentence, after " + quote(word, 30),
                 "finish the sentence; text fields end with '.', '!' or '?'"));
      }
      if (def.name == "jtbd") check_jtbd(f, *n, out);
    }
  }
}

/// duplicate-item, in every list.
void duplicate_item_rules(const PersonaFile& f, std::vector<Diagnostic>& out) {
  const yaml::Node& root = *f.root;
  std::function<void(const yaml::Node&, const std::string&)> lists = [&](const yaml::Node& n,
                                                                         const std::string& label) {
    if (n.is_mapping()) {
      for (std::size_t i = 0; i < n.size(); ++i)
        lists(n.val(i), label.empty() ? n.key(i).value : label + "." + n.key(i).value);
    } else if (n.is_sequence()) {
      // The first item with each text; a short list is scanned, a long one looked up.
      constexpr std::size_t kScanItems = 32;
      std::vector<std::pair<std::string_view, std::size_t>> seen;
      std::map<std::string_view, std::size_t> seen_map;
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        const yaml::Node& c = n.children[i];
        if (!c.is_scalar()) continue;
        std::string_view k = trim(c.value);
        if (k.empty()) continue;
        std::size_t first = 0;
        if (n.children.size() <= kScanItems) {
          for (const auto& [text, at] : seen)
            if (text == k) {
              first = at;
              break;
            }
          if (!first) seen.emplace_back(k, i + 1);
        } else {
          auto [it, fresh] = seen_map.emplace(k, i + 1);
          if (!fresh) first = it->second;
        }
        if (first) {
          out.push_back(make(f, "duplicate-item", c.mark,
                             "'" + label + "[" + std::to_string(i + 1) + "]' repeats '" + label +
                                 "[" + std::to_string(first) + "]' " + quote(k, 40)));
        }
      }
    }
  };
  lists(root, "");
}

}  // namespace

std::vector<Diagnostic> file_rules(const PersonaFile& f, bool check_path) {
  std::vector<Diagnostic> out;
  if (!f.root) return out;
  name_and_path_rules(f, check_path, out);
  legacy_format_rules(f, out);
  string_rules(f, out);
  text_field_rules(f, out);
  duplicate_item_rules(f, out);
  return out;
}

void Mentions::add(std::string_view pid, yaml::Mark at, std::string_view label) {
  auto put = [&](std::uint32_t v) { data_.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(static_cast<std::uint32_t>(pid.size()));
  data_ += pid;
  put(static_cast<std::uint32_t>(at.line));
  put(static_cast<std::uint32_t>(at.column));
  put(static_cast<std::uint32_t>(label.size()));
  data_ += label;
}

bool Mentions::next(std::string_view data, std::size_t& at, Item& item) {
  std::size_t pos = at;  // `at` moves only past a whole mention
  auto u32 = [&](std::uint32_t& v) {
    if (data.size() - pos < sizeof v) return false;
    std::memcpy(&v, data.data() + pos, sizeof v);
    pos += sizeof v;
    return true;
  };
  auto text = [&](std::string_view& v) {
    std::uint32_t n = 0;
    if (!u32(n) || data.size() - pos < n) return false;
    v = data.substr(pos, n);
    pos += n;
    return true;
  };
  std::uint32_t line = 0, column = 0;
  if (pos >= data.size() || !text(item.pid) || !u32(line) || !u32(column) || !text(item.label))
    return false;
  item.at = yaml::Mark{static_cast<int>(line), static_cast<int>(column)};
  at = pos;
  return true;
}

std::optional<Mentions> Mentions::from_bytes(std::string_view bytes) {
  Item item;
  std::size_t at = 0;
  while (next(bytes, at, item)) {
  }
  if (at != bytes.size()) return std::nullopt;
  Mentions m;
  m.data_ = std::string(bytes);
  return m;
}

Mentions mentions_of(const PersonaFile& f) {
  Mentions out;
  if (!f.root) return out;
  const yaml::Node& root = *f.root;
  const yaml::Node* own = string_node(root, "pid");
  std::optional<std::vector<std::string_view>> lines;  // split once, at the first mention
  for (std::size_t i = 0; i < root.size(); ++i) {
    if (root.key(i).value == "pid") continue;
    each_string(root.val(i), root.key(i).value, [&](const yaml::Node& n, const Label& label) {
      std::string_view v = n.value;
      for (std::size_t at = v.find("APP-"); at != std::string_view::npos;
           at = v.find("APP-", at + 4)) {
        if (at > 0 && is_word_char(v[at - 1])) continue;
        std::size_t end = at + 4;
        while (end < v.size() && std::isdigit(static_cast<unsigned char>(v[end])) && end - at < 14)
          ++end;
        if (end - at < 7) continue;
        if (end < v.size() && is_word_char(v[end])) continue;
        std::string_view ref = v.substr(at, end - at);
        if (own && own->value == ref) continue;
        if (!lines) lines = split_lines(f.text);
        out.add(ref, locate_in(*lines, n, ref), label.str());
      }
    });
  }
  return out;
}

std::vector<Diagnostic> library_rules(const std::vector<PersonaFile>& files,
                                      const std::vector<Mentions>& mentions) {
  std::vector<Diagnostic> out;
  // The first file with each pid; a mention resolves when its pid is a key here.
  std::unordered_map<std::string_view, const PersonaFile*> owner;
  owner.reserve(files.size());
  for (const auto& f : files) {
    if (!f.root) continue;
    const yaml::Node* pid = string_node(*f.root, "pid");
    if (!pid) continue;
    auto [it, fresh] = owner.emplace(pid->value, &f);
    if (!fresh) {
      out.push_back(
          make(f, "duplicate-pid", pid->mark,
               "pid " + quote(pid->value) + " is already used by " + quote(it->second->path, 200),
               "each persona needs its own pid; `persona new` picks the next free one"));
    }
  }
  std::vector<std::string> known;  // every pid, sorted: made for the first unresolved mention
  for (std::size_t i = 0; i < files.size() && i < mentions.size(); ++i) {
    const PersonaFile& f = files[i];
    if (!f.root) continue;
    mentions[i].each([&](const Mentions::Item& m) {
      if (owner.count(m.pid)) return;
      if (known.empty()) {
        for (const auto& [pid, file] : owner) known.emplace_back(pid);
        std::sort(known.begin(), known.end());
      }
      out.push_back(make(
          f, "unresolved-reference", m.at,
          "'" + std::string(m.label) + "' refers to " + quote(m.pid) + ", which no persona has",
          did_you_mean(m.pid, known)));
    });
  }
  return out;
}

std::vector<Diagnostic> library_rules(const std::vector<PersonaFile>& files) {
  std::vector<Mentions> mentions;
  mentions.reserve(files.size());
  for (const auto& f : files) mentions.push_back(mentions_of(f));
  return library_rules(files, mentions);
}

}  // namespace persona
