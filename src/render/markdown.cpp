#include "render/markdown.h"

#include "core/text.h"
#include "render/commonmark.h"
#include "render/escape.h"

namespace persona::render {

namespace {

/// A string of the front matter as JSON, which YAML reads as a flow scalar (so values are always
/// quoted safely), with < > & [ ] as \u escapes (YAML reads them alike): a Markdown viewer that
/// does not know front matter reads it as Markdown, where they could make raw HTML or a link.
std::string q(const std::string& s) {
  std::string out;
  for (char c : json_string(s)) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '[':
        out += "\\u005b";
        break;
      case ']':
        out += "\\u005d";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// A list item: continuation lines indented so they stay inside the item.
std::string list_item(const std::string& item) {
  std::string out = "- ";
  for (char c : item) {
    out += c;
    if (c == '\n') out += "  ";
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out + "\n";
}

/// A Markdown link destination: characters that would end or break it (spaces, line ends and
/// other controls, parentheses, angle brackets, backslashes) percent-encoded.
std::string md_url(const std::string& url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : url) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '(' || c == ')' || c == '<' || c == '>' || c == '\\') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string community_line(const FieldActivity& f) {
  std::vector<std::string> parts;
  if (f.confirmations) parts.push_back(plural(f.confirmations, "confirmation", "confirmations"));
  if (f.corrections) parts.push_back(plural(f.corrections, "correction", "corrections"));
  if (f.extensions) parts.push_back(plural(f.extensions, "extension", "extensions"));
  if (f.comments) parts.push_back(plural(f.comments, "comment", "comments"));
  if (f.earlier_confirmations)
    parts.push_back(plural(f.earlier_confirmations, "confirmation of an earlier version",
                           "confirmations of earlier versions"));
  if (parts.empty()) return "";
  std::string line = "*Community: ";
  for (std::size_t i = 0; i < parts.size(); ++i) line += (i ? " · " : "") + parts[i];
  if (!f.last_activity.empty()) line += " · last activity " + date_of(f.last_activity);
  return line + "*\n\n";
}

}  // namespace

std::string persona_markdown(const Persona& p, const MarkdownOptions& o) {
  auto meta = [&](const std::string& s) { return o.escape_metadata ? markdown_escape(s) : s; };
  auto user = [&](const std::string& s) { return o.safe_text ? markdown_safe(s) : s; };
  std::string out;
  if (o.front_matter) {
    out += "---\n";
    out += "pid: " + q(p.pid) + "\n";
    out += "name: " + q(p.name) + "\n";
    out += "app: " + q(p.app) + "\n";
    out += "category: " + q(p.category) + "\n";
    out += "tags: [";
    for (std::size_t i = 0; i < p.tags.size(); ++i) out += (i ? "," : "") + q(p.tags[i]);
    out += "]\n";
    out += "version: " + p.version + "\n";
    if (o.activity) {
      out += "contributions: " + std::to_string(o.activity->total()) + "\n";
      out += "contributors: " + std::to_string(o.activity->contributors.size()) + "\n";
      out += "last_activity: " +
             (o.activity->last_activity.empty() ? "null" : q(o.activity->last_activity)) + "\n";
    }
    out += "---\n\n";
  }
  if (!o.index_href.empty()) out += "[← All personas](" + md_url(o.index_href) + ")\n\n";
  out += "# " + meta(p.name) + "\n\n";
  out += "`" + p.pid + "` · " + meta(p.app) + " · " + meta(p.category);
  if (!p.tags.empty()) {
    out += " ·";
    for (const auto& t : p.tags) out += " #" + meta(t);
  }
  out += "\n";
  if (!o.contribute_href.empty())
    out += "\nRecognize yourself? [Confirm, correct or extend this persona](" +
           md_url(o.contribute_href) + ").\n";
  for (const auto& def : profile_fields()) {
    out += "\n## " + std::string(def.label) + "\n\n";
    if (o.activity) {
      auto it = o.activity->fields.find(std::string(def.name));
      if (it != o.activity->fields.end()) out += community_line(it->second);
    }
    if (def.kind == FieldKind::kText) {
      auto it = p.text.find(std::string(def.name));
      if (it != p.text.end()) {
        std::string text = user(it->second);
        out += text + (text.empty() || text.back() != '\n' ? "\n" : "");
      }
    } else {
      auto it = p.lists.find(std::string(def.name));
      if (it != p.lists.end())
        for (const auto& item : it->second) out += list_item(user(item));
    }
  }
  if (o.activity && !o.activity->comments.empty()) {
    out += "\n## Comments\n";
    for (const Record* r : o.activity->comments) {
      out += "\n**" + markdown_escape(r->author) + "** · " + date_of(r->time);
      if (!r->field.empty()) {
        auto path = parse_record_field_path(r->field, nullptr);
        const FieldDef* def = path ? find_field(path->field) : nullptr;
        if (def)
          out += " · on " + std::string(def->label) +
                 (path->item ? " " + std::to_string(*path->item) : "");
      }
      out += "\n\n";
      std::string text = user(r->text);
      for (auto line : split_lines(text))
        out += line.empty() ? ">\n" : "> " + std::string(line) + "\n";
    }
  }
  return out;
}

std::string persona_markdown_document(const RenderContext& ctx, const Persona& p) {
  MarkdownOptions o;
  o.front_matter = true;
  o.activity = &ctx.activity_of(p.pid);
  o.escape_metadata = true;
  o.safe_text = true;
  o.index_href = "../README.md";
  o.contribute_href = contribute_url(ctx.library.config, p.pid, "", "");
  return persona_markdown(p, o);
}

std::string index_markdown(const RenderContext& ctx) {
  const auto& lib = ctx.library;
  std::string out = "---\n";
  out += "title: " + q(lib.config.name) + "\n";
  out += "description: " + q(lib.config.description) + "\n";
  out += "personas: " + std::to_string(lib.personas.size()) + "\n";
  out += "---\n\n";
  out += "# " + markdown_escape(lib.config.name) + "\n\n";
  if (!lib.config.description.empty()) out += markdown_escape(lib.config.description) + "\n\n";
  out += "| Persona | Pid | App | Category | Comments |\n";
  out += "| --- | --- | --- | --- | ---: |\n";
  for (const auto& p : lib.personas) {
    std::string href = ctx.paths.persona(p.pid, ".md");
    out += "| [" + markdown_escape(p.name) + "](" + md_url(href) + ") | `" + p.pid + "` | " +
           markdown_escape(p.app) + " | " + markdown_escape(humanize(p.category)) + " | " +
           std::to_string(ctx.activity_of(p.pid).comments.size()) + " |\n";
  }
  return out;
}

void add_markdown_export(const RenderContext& ctx, Sink& out) {
  out.file("README.md", index_markdown(ctx));
  for (const auto& p : ctx.library.personas) {
    std::string path = ctx.paths.persona(p.pid, ".md");
    std::string key = persona_key(ctx, p, "md");
    if (!out.reuse(path, key)) out.file(path, persona_markdown_document(ctx, p), key);
  }
}

}  // namespace persona::render
