// Requests for `persona apply`: YAML, JSON or the issue form's body, read into a
// ContributionRequest with the position of each key's value (declared in contribution.h).
#include <algorithm>

#include "core/error.h"
#include "core/text.h"
#include "library/contribution.h"
#include "yaml/tree.h"

namespace persona {

namespace {

const std::vector<std::string>& request_keys() {
  static const std::vector<std::string> kKeys = {"pid",     "kind",    "field",  "text",
                                                 "note",    "author",  "branch", "base",
                                                 "confirm", "correct", "extend", "comment"};
  return kKeys;
}

struct FormLabel {
  const char* label;
  const char* key;
};
constexpr FormLabel kFormLabels[] = {
    {"persona id", "pid"}, {"persona", "pid"},
    {"pid", "pid"},        {"kind of contribution", "kind"},
    {"kind", "kind"},      {"field", "field"},
    {"text", "text"},      {"lived experience", "note"},
    {"note", "note"},      {"name to credit", "author"},
    {"author", "author"},  {"branch", "branch"},
    {"base", "base"},
};

std::string strip_backticks(std::string_view s) {
  s = trim(s);
  while (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = trim(s.substr(1, s.size() - 2));
  return std::string(s);
}

void parse_issue_form(const std::string& file, const std::string& text, ParsedRequest& out) {
  auto lines = split_lines(text);
  std::vector<std::string> labels;
  for (const auto& l : kFormLabels) labels.emplace_back(l.label);
  std::size_t i = 0;
  while (i < lines.size()) {
    std::string_view line = lines[i];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.starts_with("### ")) {
      ++i;
      continue;
    }
    int heading_line = static_cast<int>(i) + 1;
    std::string label = to_lower(trim(line.substr(4)));
    std::string body;
    int value_line = 0;
    for (++i; i < lines.size(); ++i) {
      std::string_view l = lines[i];
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      if (l.starts_with("### ")) break;
      if (value_line == 0 && !trim(l).empty()) value_line = static_cast<int>(i) + 1;
      body += std::string(l) + "\n";
    }
    std::string value = normalize_contribution_text(body);
    if (value == "_No response_") value.clear();
    const char* key = nullptr;
    for (const auto& l : kFormLabels)
      if (label == l.label) key = l.key;
    if (!key) {
      std::string hint = did_you_mean(label, labels);
      out.diagnostics.push_back(Diagnostic{"request-key", Severity::kWarning, file, heading_line, 5,
                                           "unknown section " + quote(label) + " is ignored",
                                           hint});
      continue;
    }
    if (out.positions.count(key)) {
      out.diagnostics.push_back(Diagnostic{"request-key",
                                           Severity::kError,
                                           file,
                                           heading_line,
                                           5,
                                           "section " + quote(label) + " appears twice",
                                           {}});
      continue;
    }
    out.positions[key] = yaml::Mark{value_line ? value_line : heading_line, value_line ? 1 : 5};
    std::string k = key;
    if (k == "pid")
      out.request.pid = strip_backticks(value);
    else if (k == "kind") {
      std::string word;
      for (char c : strip_backticks(value)) {
        if (!std::isalpha(static_cast<unsigned char>(c))) break;
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      out.request.kind = word.empty() ? value : word;
    } else if (k == "field")
      out.request.field = strip_backticks(value);
    else if (k == "text")
      out.request.text = value;
    else if (k == "note")
      out.request.note = value;
    else if (k == "author")
      out.request.author = value;
    else if (k == "branch")
      out.branch = strip_backticks(value);
    else if (k == "base")
      out.base = strip_backticks(value);
  }
  if (out.positions.empty() && out.diagnostics.empty())
    out.diagnostics.push_back(Diagnostic{"request-form",
                                         Severity::kError,
                                         file,
                                         1,
                                         1,
                                         "no section of the contribution form found",
                                         {}});
}

void parse_yaml_request(const std::string& file, const std::string& text, ParsedRequest& out) {
  auto parsed = yaml::parse(text, file);
  out.diagnostics = parsed.diagnostics;
  if (!parsed.root) return;
  const yaml::Node& root = *parsed.root;
  auto error = [&](const char* code, yaml::Mark at, std::string msg, std::string hint = {}) {
    out.diagnostics.push_back(Diagnostic{code, Severity::kError, file, at.line, at.column,
                                         std::move(msg), std::move(hint)});
  };
  std::string kind_key;  // which key set the kind, for conflicts
  for (std::size_t i = 0; i < root.size(); ++i) {
    const yaml::Node& k = root.key(i);
    const yaml::Node& v = root.val(i);
    const std::string& key = k.value;
    if (std::find(request_keys().begin(), request_keys().end(), key) == request_keys().end()) {
      std::string hint = did_you_mean(key, request_keys());
      error("request-key", k.mark, "unknown key " + quote(key),
            hint.empty() ? "the keys are pid, kind, field, text, note, author, branch and base"
                         : hint);
      continue;
    }
    if (!v.is_scalar()) {
      error("request-type", v.mark,
            quote(key) + " must be a string, not a " + (v.is_mapping() ? "mapping" : "list"));
      // Where the key's value is, so that what follows from its absence is not said again.
      bool kind_key_name =
          key == "confirm" || key == "correct" || key == "extend" || key == "comment";
      out.positions.emplace(kind_key_name ? "kind" : key, v.mark);
      continue;
    }
    std::string value = v.scalar_type() == yaml::ScalarType::kNull ? "" : v.value;
    auto set_kind = [&](const std::string& kind) {
      if (!kind_key.empty()) {
        error("request-kind", k.mark, quote(key) + " conflicts with " + quote(kind_key),
              "a request is one contribution: one of kind, confirm, correct, extend or comment");
        return false;
      }
      kind_key = key;
      out.request.kind = kind;
      out.positions["kind"] = k.mark;
      return true;
    };
    auto set_field = [&](const std::string& field) {
      if (out.positions.count("field")) {
        error("request-field", v.mark, "the field is given twice", {});
        return;
      }
      out.request.field = field;
      out.positions["field"] = v.mark;
    };
    if (key == "confirm" || key == "correct" || key == "extend") {
      if (set_kind(key)) set_field(value);
    } else if (key == "comment") {
      if (v.scalar_type() == yaml::ScalarType::kBool) {
        if (value == "true" || value == "True" || value == "TRUE") set_kind("comment");
      } else if (set_kind("comment") && !value.empty()) {
        set_field(value);
      }
    } else if (key == "kind") {
      if (set_kind(value)) out.positions["kind"] = v.mark;
    } else if (key == "field") {
      set_field(value);
    } else {
      out.positions[key] = v.mark;
      if (key == "pid")
        out.request.pid = value;
      else if (key == "text")
        out.request.text = value;
      else if (key == "note")
        out.request.note = value;
      else if (key == "author")
        out.request.author = value;
      else if (key == "branch")
        out.branch = value;
      else if (key == "base")
        out.base = value;
    }
  }
}

}  // namespace

ParsedRequest parse_request(const std::string& file, const std::string& text) {
  ParsedRequest out;
  std::string_view t = trim(text);
  bool form = false;
  for (auto line : split_lines(text)) {
    if (trim(line).empty()) continue;
    form = line.starts_with("### ");
    break;
  }
  if (form) {
    out.format = "issue-form";
    parse_issue_form(file, text, out);
  } else {
    out.format = !t.empty() && t.front() == '{' ? "json" : "yaml";
    parse_yaml_request(file, text, out);
  }
  sort_diagnostics(out.diagnostics);
  return out;
}

Diagnostic request_diagnostic(const ParsedRequest& req, const std::string& file,
                              const RequestProblem& p) {
  yaml::Mark at;
  if (auto it = req.positions.find(p.key); it != req.positions.end()) at = it->second;
  return Diagnostic{"request-" + p.key, Severity::kError, file,  at.line,
                    at.column,          p.message,        p.hint};
}

}  // namespace persona
