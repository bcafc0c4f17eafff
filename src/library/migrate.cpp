#include "library/migrate.h"

#include "core/text.h"
#include "library/fields.h"
#include "library/format.h"
#include "library/persona.h"
#include "yaml/emit.h"
#include "yaml/tree.h"

namespace persona {

namespace {

/// A line that starts a Markdown block other than a paragraph's continuation: a list item, a
/// quote, a heading, a code fence or an indented code line.
bool starts_block(std::string_view line) {
  if (line.rfind("    ", 0) == 0 || line.rfind('\t', 0) == 0) return true;
  std::string_view t = trim(line);
  if (t.empty()) return false;
  if (t[0] == '>' || t[0] == '#' || t.rfind("```", 0) == 0 || t.rfind("~~~", 0) == 0) return true;
  if (t.size() > 1 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && t[1] == ' ') return true;
  std::size_t d = 0;
  while (d < t.size() && std::isdigit(static_cast<unsigned char>(t[d]))) ++d;
  return d > 0 && d + 1 < t.size() && (t[d] == '.' || t[d] == ')') && t[d + 1] == ' ';
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// `worldview: <text>` -> a list, one item per paragraph.
MigrationStep text_to_list(yaml::Node& value, const std::string& key) {
  bool joined = false;
  std::vector<std::string> items = paragraphs_to_items(value.value, &joined);
  yaml::Node list = yaml::make_sequence();
  for (auto& item : items) list.children.push_back(yaml::make_scalar(std::move(item)));
  MigrationStep step{key,
                     "text of " + plural(items.size(), "paragraph", "paragraphs") + " became " +
                         plural(items.size(), "item", "items"),
                     joined ? "line breaks inside a paragraph became spaces" : ""};
  value = std::move(list);
  return step;
}

/// `composability: [items]` -> a text of bullet lines.
MigrationStep list_to_text(yaml::Node& value, const std::string& key) {
  std::vector<std::string> items;
  bool nested = false;
  for (const auto& c : value.children) {
    if (c.is_scalar()) {
      items.push_back(c.value);
    } else {
      nested = true;  // not a list of strings: the schema refuses it, migrate leaves it
    }
  }
  if (nested) return {key, "", ""};
  std::string text = items_to_bullets(items);
  MigrationStep step{key,
                     plural(items.size(), "item", "items") + " became " +
                         plural(items.size(), "bullet line", "bullet lines") + " of the text",
                     ""};
  value = yaml::make_scalar(std::move(text));
  return step;
}

/// Applies every step of the migration to the root mapping; returns what it did.
std::vector<MigrationStep> migrate_tree(yaml::Node& root) {
  std::vector<MigrationStep> steps;
  const yaml::Node* name = root.find("name");
  for (std::size_t i = 0; i < root.size(); ++i) {
    const std::string key = root.key(i).value;
    yaml::Node& value = root.children[2 * i + 1];
    if (key == "app" && name && name->is_scalar() && value.is_scalar()) {
      std::string word = legacy_app_name(name->value, value.value);
      if (word.empty()) continue;
      steps.push_back(
          {key, quote(value.value) + " became " + quote(word) + ", the app's name", ""});
      value = yaml::make_scalar(word);
      continue;
    }
    const FieldDef* def = find_field(key);
    if (!def) continue;
    if (def->kind == FieldKind::kList && value.is_scalar() &&
        value.scalar_type() == yaml::ScalarType::kString) {
      steps.push_back(text_to_list(value, key));
    } else if (def->kind == FieldKind::kText && value.is_sequence()) {
      MigrationStep s = list_to_text(value, key);
      if (!s.change.empty()) steps.push_back(std::move(s));
    }
  }
  return steps;
}

}  // namespace

std::vector<std::string> paragraphs_to_items(const std::string& text, bool* joined) {
  std::vector<std::string> items;
  std::vector<std::string_view> para;
  auto flush = [&] {
    if (para.empty()) return;
    bool blocks = false;
    for (auto line : para) blocks = blocks || starts_block(line);
    std::string item;
    for (auto line : para) {
      if (!item.empty()) {
        item += blocks ? "\n" : " ";
        if (!blocks && joined) *joined = true;
      }
      item += blocks ? std::string(line) : std::string(trim(line));
    }
    items.push_back(std::move(item));
    para.clear();
  };
  for (auto line : split_lines(text)) {
    if (trim(line).empty()) {
      flush();
    } else {
      para.push_back(line);
    }
  }
  flush();
  return items;
}

std::string items_to_bullets(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += "\n";
    out += "- ";
    bool first = true;
    for (auto line : split_lines(item)) {
      if (!first) out += line.empty() ? "\n" : "\n  ";
      out += line;
      first = false;
    }
  }
  return out;
}

MigrationResult migrate_persona(const std::string& rel_path, const std::string& text,
                                const schema::Schema& schema, bool in_library,
                                std::size_t file_size) {
  MigrationResult r;
  auto parsed = yaml::parse(text, rel_path, {}, file_size);
  if (!parsed.root) {
    r.diagnostics = std::move(parsed.diagnostics);
    return r;
  }
  std::optional<yaml::Mark> comment = yaml::find_inner_comment(text, *parsed.root);
  yaml::Node root = std::move(*parsed.root);
  r.steps = migrate_tree(root);
  if (r.steps.empty()) return r;
  if (const auto& c = comment) {
    r.diagnostics.push_back(Diagnostic{
        "fmt-comment", Severity::kError, rel_path, c->line, c->column,
        "comment would be lost by migrating; the file is left as it is",
        "only comment lines at the top of the file are kept; move it there or remove it"});
    r.steps.clear();
    return r;
  }
  auto header = yaml::leading_comments(text);
  if (header.empty() && in_library) header.push_back(schema_modeline(rel_path));
  r.text = yaml::emit(canonical_order(root, schema), header);
  return r;
}

}  // namespace persona
