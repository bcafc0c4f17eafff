#include "library/contribution.h"

#include <algorithm>

#include "core/error.h"
#include "core/text.h"
#include "core/untrusted.h"
#include "library/format.h"
#include "yaml/emit.h"

namespace persona {

std::string normalize_contribution_text(std::string_view text) {
  std::vector<std::string> lines;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    // A lone CR ends a line too (as in YAML): a value never holds one.
    if (c == '\n' || c == '\r') {
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  lines.push_back(cur);
  for (auto& l : lines)
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.pop_back();
  std::size_t first = 0, last = lines.size();
  while (first < last && lines[first].empty()) ++first;
  while (last > first && lines[last - 1].empty()) --last;
  std::string out;
  for (std::size_t i = first; i < last; ++i) {
    if (i > first) out += '\n';
    out += lines[i];
  }
  return out;
}

namespace {

bool is_kind(std::string_view k) {
  for (const char* known : kContributionKinds)
    if (k == known) return true;
  return false;
}

std::vector<std::string> kinds() {
  return {std::begin(kContributionKinds), std::end(kContributionKinds)};
}

/// The most characters the record schema lets `key` hold (its maxLength), so the request is
/// refused by name before a record that could not be written is made.
std::size_t record_max_length(const char* key) {
  const auto& raw = schema::Schema::builtin("record")->raw();
  auto props = raw.find("properties");
  if (props == raw.end() || !props->contains(key)) return std::size_t(-1);
  const auto& p = (*props)[key];
  return p.contains("maxLength") && p["maxLength"].is_number_unsigned()
             ? p["maxLength"].get<std::size_t>()
             : std::size_t(-1);
}

/// One problem for a value over its limit: "the text is 70000 characters long, over the limit of
/// 8000 a contribution's text may have".
void check_length(std::vector<RequestProblem>& out, const char* key, const std::string& value,
                  const char* what, const char* hint) {
  std::size_t max = record_max_length(key);
  std::size_t n = utf8_length(value);
  if (n <= max) return;
  out.push_back(RequestProblem{key,
                               std::string("the ") + what + " is " + std::to_string(n) +
                                   " characters long, over the limit of " + std::to_string(max),
                               hint});
}

/// The request's field path, checked against its kind (a correction of a list names one item,
/// an extension a whole field); problems go to `out`.
std::optional<FieldPath> check_field(const ContributionRequest& r,
                                     std::vector<RequestProblem>& out) {
  auto add = [&](std::string msg, std::string hint) {
    out.push_back(RequestProblem{"field", std::move(msg), std::move(hint)});
  };
  if (r.field.empty()) {
    if (r.kind != "comment")
      add("a contribution of kind " + quote(r.kind) + " needs a field",
          "'persona show PID --fields' lists the field paths");
    return std::nullopt;
  }
  std::string err;
  std::optional<FieldPath> path = parse_field_path(r.field, &err);
  if (!path) {
    add(err, "'persona show PID --fields' lists the field paths");
    return path;
  }
  const FieldDef* def = find_field(path->field);
  if (r.kind == "correct" && def->kind == FieldKind::kList && !path->item)
    add("a correction replaces a text field or one list item, and " + quote(path->field) +
            " is a list",
        "correct one item, e.g. " + quote(path->field + "[1]") +
            "; 'persona show PID --fields' numbers them");
  if (r.kind == "extend" && path->item)
    add("an extension adds to a whole field, not to " + quote(path->str()),
        "extend " + quote(path->field) + " to add an item to the list");
  return path;
}

}  // namespace

std::vector<RequestProblem> check_request(const ContributionRequest& r, bool require_note) {
  std::vector<RequestProblem> out;
  auto add = [&](std::string key, std::string msg, std::string hint = {}) {
    out.push_back(RequestProblem{std::move(key), std::move(msg), std::move(hint)});
  };
  if (trim(r.pid).empty())
    add("pid", "no persona id given", "e.g. APP-153; 'persona list' shows them");
  if (r.kind.empty()) {
    add("kind", "no kind of contribution given", "one of confirm, correct, extend or comment");
    return out;
  }
  if (!is_kind(r.kind)) {
    std::string hint = did_you_mean(r.kind, kinds());
    add("kind", "unknown kind of contribution " + quote(r.kind),
        hint.empty() ? "one of confirm, correct, extend or comment" : hint);
    return out;
  }
  std::optional<FieldPath> path = check_field(r, out);
  std::string text = normalize_contribution_text(r.text);
  check_length(out, "text", text, "text", "shorten it, or make several contributions");
  check_length(out, "note", normalize_contribution_text(r.note), "note",
               "a sentence or two is enough");
  for (auto [key, value] :
       {std::pair<const char*, const std::string*>{"text", &r.text}, {"note", &r.note}}) {
    if (auto fault = find_text_fault(*value))
      out.push_back(RequestProblem{key, std::string("the ") + key + " holds a " + fault->what,
                                   "write it without control characters"});
  }
  if (!r.author.empty()) {
    if (std::string why = display_name_problem(r.author); !why.empty())
      out.push_back(RequestProblem{"author", why,
                                   "give the name to credit on one line, without control "
                                   "characters, in at most 100 characters"});
  }
  if (r.kind == "confirm") {
    if (!text.empty())
      add("text", "a confirmation takes no text",
          "say what you know in the note; to change the value, correct it instead");
  } else if (text.empty()) {
    add("text", "a contribution of kind " + quote(r.kind) + " needs a text",
        r.kind == "correct"  ? "the text is the new value"
        : r.kind == "extend" ? "the text is what to add"
                             : "the text is the comment");
  } else if (path && (r.kind == "correct" || r.kind == "extend") &&
             find_field(path->field)->kind == FieldKind::kList &&
             text.find('\n') != std::string::npos) {
    add("text",
        "a list item is one line, and the text has " +
            std::to_string(std::count(text.begin(), text.end(), '\n') + 1) + " lines",
        "join the lines, or contribute each item on its own");
  }
  if (require_note && trim(r.note).empty())
    add("note", "this library asks for a note with every contribution",
        "say in a sentence what your experience is (the 'lived experience' beside it)");
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"text", &r.text},
                            {"note", &r.note},
                            {"author", &r.author}})
    if (contains_email(*value))
      add(key, std::string("the ") + key + " contains an email address",
          "contributions are published: use a display name and no email addresses");
  return out;
}

namespace {

/// The field path the request names, resolved in the persona (an item that exists), with its
/// current value in c.old_value; false, with the problem in `c`, when it does not resolve.
bool resolve_field(const Persona& p, const ContributionRequest& req, std::optional<FieldPath>& path,
                   Contribution& c) {
  if (req.field.empty()) return true;
  std::string err;
  path = parse_field_path(req.field, &err);
  if (!path) {
    c.problems.push_back({"field", err, {}});
    return false;
  }
  auto v = p.canonical_value(*path);
  if (!v) {
    std::string hint = "'persona show " + p.pid + " --fields' lists the field paths";
    if (path->item) {
      auto it = p.lists.find(path->field);
      std::size_t n = it == p.lists.end() ? 0 : it->second.size();
      c.problems.push_back({"field",
                            quote(path->str()) + " does not exist: " + quote(p.pid) + "'s " +
                                quote(path->field) + " has " + std::to_string(n) +
                                (n == 1 ? " item" : " items"),
                            hint});
    } else {
      c.problems.push_back({"field", quote(p.pid) + " has no field " + quote(path->str()), hint});
    }
    return false;
  }
  c.old_value = c.new_value = *v;
  return true;
}

/// A correction or an extension applied to the persona file: its new text in canonical form,
/// validated, in c.persona_text and the field's new value in c.new_value; false, with the
/// problem or the diagnostics in `c`, when it cannot be made.
bool rewrite_persona(const PersonaFile& before, const std::string& persona_path,
                     const std::string& persona_text, const Persona& p, const FieldPath& path,
                     const ContributionRequest& req, const std::string& text,
                     const schema::Schema& persona_schema, Contribution& c) {
  if (req.kind == "correct" && text == c.old_value) {
    c.problems.push_back({"text", "the text is already the value of " + quote(path.str()),
                          "to agree with it, confirm it instead"});
    return false;
  }
  // The persona is rewritten in canonical form, which keeps only the comment lines at the top.
  if (auto comment = yaml::find_inner_comment(persona_text, *before.root)) {
    c.diagnostics.push_back(Diagnostic{
        "fmt-comment", Severity::kError, persona_path, comment->line, comment->column,
        "comment would be lost by rewriting the persona for this change",
        "only comment lines at the top of the file are kept; move it there or remove it"});
    c.diagnostics_source = persona_text;
    c.diagnostics_stage = "before";
    return false;
  }
  yaml::Node root = *before.root;
  yaml::Node* node = nullptr;
  for (std::size_t i = 0; i < root.size(); ++i)
    if (root.key(i).value == path.field) node = &root.children[2 * i + 1];
  if (!node) {
    c.problems.push_back({"field", quote(p.pid) + " has no field " + quote(path.field), {}});
    return false;
  }
  if (node->is_sequence()) {
    if (req.kind == "correct")
      node->children[*path.item - 1] = yaml::make_scalar(text);
    else
      node->children.push_back(yaml::make_scalar(text));
  } else {
    node->value = req.kind == "correct" ? text : node->value + "\n\n" + text;
    node->style = yaml::Style::kLiteral;
    // A persona file's value has a size limit of its own, well above a record's text limit
    // but within reach of an extension of a long field.
    std::size_t limit = yaml::Limits{}.max_scalar_bytes;
    if (node->value.size() > limit) {
      c.problems.push_back({"text",
                            "with the text, " + quote(path.field) + " would be " +
                                std::to_string(node->value.size()) +
                                " bytes long, over the limit of " + std::to_string(limit) +
                                " bytes a field may hold",
                            "shorten the text, or propose a correction of the whole field"});
      return false;
    }
  }
  auto header = yaml::leading_comments(persona_text);
  if (header.empty()) header.push_back(schema_modeline(persona_path));
  std::string new_text = yaml::emit(canonical_order(root, persona_schema), header);
  auto after = check_persona_text(persona_path, new_text, persona_schema, true);
  if (!after.ok()) {
    c.diagnostics = after.diagnostics;
    sort_diagnostics(c.diagnostics);
    c.diagnostics_source = new_text;
    c.diagnostics_stage = "after";
    return false;
  }
  c.new_value = *build_persona(after).canonical_value(path);
  c.persona_text = std::move(new_text);
  return true;
}

/// The record of the contribution, its text, and its own checks (diagnostics in `c`).
void write_record(const Persona& p, const ContributionRequest& req,
                  const std::optional<FieldPath>& path, const std::string& text,
                  const std::string& time, Contribution& c) {
  Record& r = c.record;
  r.pid = p.pid;
  r.kind = req.kind;
  r.field = path ? path->str() : "";
  r.text = req.kind == "confirm" ? "" : text;
  r.note = normalize_contribution_text(req.note);
  r.author = std::string(trim(req.author));
  r.time = time;
  r.value_hash = path ? value_hash(c.old_value) : "";
  r.id = record_id(r);
  r.file = record_path(r);
  c.record_text = yaml::emit(record_tree(r));
  auto checked = check_record_text(r.file, c.record_text, *schema::Schema::builtin("record"), time);
  if (!checked.diagnostics.empty()) {
    c.diagnostics = checked.diagnostics;
    c.diagnostics_source = c.record_text;
    c.diagnostics_stage = "record";
  }
}

}  // namespace

Contribution make_contribution(const std::string& persona_path, const std::string& persona_text,
                               const ContributionRequest& req, const std::string& time,
                               const schema::Schema& persona_schema) {
  Contribution c;
  c.persona_path = persona_path;
  auto before = check_persona_text(persona_path, persona_text, persona_schema, true);
  if (!before.ok()) {
    c.diagnostics = before.diagnostics;
    sort_diagnostics(c.diagnostics);
    c.diagnostics_source = persona_text;
    c.diagnostics_stage = "before";
    return c;
  }
  Persona p = build_persona(before);
  c.persona_name = p.name;
  if (p.pid != req.pid) {
    c.problems.push_back({"pid",
                          "the persona at " + quote(persona_path, 200) + " is " + quote(p.pid) +
                              ", not " + quote(req.pid),
                          {}});
    return c;
  }
  std::optional<FieldPath> path;
  if (!resolve_field(p, req, path, c)) return c;
  std::string text = normalize_contribution_text(req.text);
  if (path && (req.kind == "correct" || req.kind == "extend") &&
      !rewrite_persona(before, persona_path, persona_text, p, *path, req, text, persona_schema, c))
    return c;
  write_record(p, req, path, text, time, c);
  return c;
}

std::vector<RequestProblem> check_request_fit(const std::string& persona_path,
                                              const std::string& persona_text,
                                              const ContributionRequest& r,
                                              const schema::Schema& persona_schema) {
  auto file = check_persona_text(persona_path, persona_text, persona_schema, true);
  if (!file.root || !file.root->is_mapping()) return {};
  Contribution c;
  std::optional<FieldPath> path;
  resolve_field(build_persona(file), r, path, c);
  return c.problems;
}

std::string default_branch_name(const std::string& prefix, const Record& r) {
  std::string field;
  for (char ch : r.field) {
    if (ch == '[')
      field += '-';
    else if (ch != ']')
      field += ch;
  }
  std::string name = prefix.empty() ? "" : prefix + "/";
  name += r.pid + "/" + r.kind + (field.empty() ? "" : "-" + field) + "-" + r.id.substr(0, 8);
  return name;
}

std::string contribution_message(const Contribution& c) {
  const Record& r = c.record;
  std::string subject;
  if (r.kind == "confirm")
    subject = "Confirm " + r.field + " of " + r.pid;
  else if (r.kind == "correct")
    subject = "Correct " + r.field + " of " + r.pid;
  else if (r.kind == "extend")
    subject = "Extend " + r.field + " of " + r.pid;
  else
    subject = "Comment on " + (r.field.empty() ? "" : r.field + " of ") + r.pid;
  // What contributors wrote shows in 'git log' on a terminal: one line where a line is wanted,
  // and no control character anywhere (terminal_safe()).
  if (!c.persona_name.empty()) subject += " (" + terminal_safe(c.persona_name) + ")";
  std::string m = subject + "\n\n";
  if (!r.text.empty()) {
    m += r.kind == "correct" ? "New value:\n\n" : r.kind == "extend" ? "Added:\n\n" : "";
    m += terminal_safe(r.text, true) + "\n\n";
  }
  std::string author = terminal_safe(r.author);
  if (!r.note.empty())
    m += "Lived experience (" + author + "):\n\n" + terminal_safe(r.note, true) + "\n\n";
  else
    m += "Contributed by " + author + ".\n\n";
  m += "Persona: " + r.pid + "\n";
  if (!r.field.empty()) m += "Field: " + r.field + "\n";
  m += "Contribution: " + r.id + "\n";
  return m;
}

}  // namespace persona
