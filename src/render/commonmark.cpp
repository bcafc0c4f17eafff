#include "render/commonmark.h"

#include <cmark.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <vector>

#include "render/escape.h"

namespace persona::render {

namespace {

struct NodeFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterFree {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
struct CharFree {
  void operator()(char* p) const { std::free(p); }
};
using NodePtr = std::unique_ptr<cmark_node, NodeFree>;
using IterPtr = std::unique_ptr<cmark_iter, IterFree>;
using CharPtr = std::unique_ptr<char, CharFree>;

/// The longest prefix of `s` of at most `n` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

NodePtr parse(std::string_view text) {
  return NodePtr(cmark_parse_document(text.data(), text.size(), CMARK_OPT_VALIDATE_UTF8));
}

std::vector<cmark_node*> collect(cmark_node* root) {
  std::vector<cmark_node*> out;
  IterPtr it(cmark_iter_new(root));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE)
    if (ev == CMARK_EVENT_ENTER) out.push_back(cmark_iter_get_node(it.get()));
  return out;
}

bool inside_link(cmark_node* n) {
  for (cmark_node* p = cmark_node_parent(n); p; p = cmark_node_parent(p)) {
    auto t = cmark_node_get_type(p);
    if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE || t == CMARK_NODE_CUSTOM_INLINE) return true;
  }
  return false;
}

cmark_node* new_text(const std::string& literal) {
  cmark_node* t = cmark_node_new(CMARK_NODE_TEXT);
  cmark_node_set_literal(t, literal.c_str());
  return t;
}

cmark_node* new_anchor(const std::string& href, const std::string& title) {
  cmark_node* a = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
  std::string open = "<a href=\"" + href_attribute(href) + "\"";
  if (!title.empty()) open += " title=\"" + html_escape(title) + "\"";
  open += " rel=\"nofollow ugc noopener\">";
  cmark_node_set_on_enter(a, open.c_str());
  cmark_node_set_on_exit(a, "</a>");
  return a;
}

cmark_node* new_mention(const std::string& pid, const MentionLink& link) {
  cmark_node* a = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
  std::string open = "<a class=\"mention\" href=\"" + html_escape(link.href) + "\" title=\"" +
                     html_escape(link.title) + "\">";
  cmark_node_set_on_enter(a, open.c_str());
  cmark_node_set_on_exit(a, "</a>");
  cmark_node_append_child(a, new_text(pid));
  return a;
}

/// Moves the children of `from` into `to` (appended) or, with `to` null, before `from`.
void move_children(cmark_node* from, cmark_node* to) {
  while (cmark_node* c = cmark_node_first_child(from)) {
    if (to)
      cmark_node_append_child(to, c);
    else
      cmark_node_insert_before(from, c);
  }
}

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

/// Splits a text node around mentions of known pids.
void link_mentions(cmark_node* text, const std::map<std::string, MentionLink>& mentions) {
  std::string lit = cmark_node_get_literal(text) ? cmark_node_get_literal(text) : "";
  std::size_t done = 0;
  bool changed = false;
  for (std::size_t at = lit.find("APP-"); at != std::string::npos; at = lit.find("APP-", at + 4)) {
    if (at < done || (at > 0 && word_char(lit[at - 1]))) continue;
    std::size_t end = at + 4;
    while (end < lit.size() && std::isdigit(static_cast<unsigned char>(lit[end]))) ++end;
    if (end < lit.size() && word_char(lit[end])) continue;
    auto m = mentions.find(lit.substr(at, end - at));
    if (m == mentions.end()) continue;
    if (at > done) cmark_node_insert_before(text, new_text(lit.substr(done, at - done)));
    cmark_node_insert_before(text, new_mention(m->first, m->second));
    done = end;
    changed = true;
  }
  if (!changed) return;
  if (done < lit.size()) cmark_node_insert_before(text, new_text(lit.substr(done)));
  cmark_node_unlink(text);
  cmark_node_free(text);
}

void make_safe(cmark_node* doc, const HtmlOptions& o) {
  for (cmark_node* n : collect(doc)) {
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_HEADING: {
        int level = cmark_node_get_heading_level(n) + o.heading_offset;
        cmark_node_set_heading_level(n, std::clamp(level, 1, 6));
        break;
      }
      case CMARK_NODE_HTML_INLINE: {
        const char* lit = cmark_node_get_literal(n);
        cmark_node_replace(n, new_text(lit ? lit : ""));
        cmark_node_free(n);
        break;
      }
      case CMARK_NODE_HTML_BLOCK: {
        std::string lit = cmark_node_get_literal(n) ? cmark_node_get_literal(n) : "";
        while (!lit.empty() && (lit.back() == '\n' || lit.back() == '\r')) lit.pop_back();
        cmark_node* p = cmark_node_new(CMARK_NODE_PARAGRAPH);
        cmark_node_append_child(p, new_text(lit));
        cmark_node_replace(n, p);
        cmark_node_free(n);
        break;
      }
      default:
        break;
    }
  }
  if (o.mentions && !o.mentions->empty()) {
    for (cmark_node* n : collect(doc))
      if (cmark_node_get_type(n) == CMARK_NODE_TEXT && !inside_link(n))
        link_mentions(n, *o.mentions);
  }
  // Links and images, innermost first: an image inside a link is handled before its link.
  std::vector<cmark_node*> links;
  for (cmark_node* n : collect(doc)) {
    auto t = cmark_node_get_type(n);
    if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) links.push_back(n);
  }
  for (auto it = links.rbegin(); it != links.rend(); ++it) {
    cmark_node* n = *it;
    std::string url = cmark_node_get_url(n) ? cmark_node_get_url(n) : "";
    std::string title = cmark_node_get_title(n) ? cmark_node_get_title(n) : "";
    bool nested = inside_link(n);
    if (is_safe_url(url) && !nested) {
      cmark_node* a = new_anchor(url, title);
      move_children(n, a);
      cmark_node_replace(n, a);
    } else {
      move_children(n, nullptr);
      cmark_node_unlink(n);
    }
    cmark_node_free(n);
  }
}

/// The words of a parsed text, before whitespace is collapsed.
std::string raw_text(cmark_node* doc) {
  std::string raw;
  IterPtr it(cmark_iter_new(doc));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(it.get());
    auto t = cmark_node_get_type(n);
    if (ev == CMARK_EVENT_ENTER) {
      switch (t) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_HTML_INLINE:
        case CMARK_NODE_CODE_BLOCK:
        case CMARK_NODE_HTML_BLOCK:
          if (const char* lit = cmark_node_get_literal(n)) raw += lit;
          break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
          raw += ' ';
          break;
        default:
          break;
      }
    } else if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING || t == CMARK_NODE_ITEM) {
      raw += ' ';
    }
  }
  return raw;
}

/// Runs of whitespace as one space, none at either end.
std::string collapse_spaces(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool space = false;
  for (char c : raw) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

/// markdown_html(), and markdown_text() into `text` when it is given, from one parse: the words
/// are read from the tree before it is made safe, as markdown_text() reads them.
std::string html_and_text(std::string_view markdown, const HtmlOptions& o, std::string* text) {
  if (markdown.size() > o.max_bytes) {
    if (text) *text = collapse_spaces(std::string(utf8_prefix(markdown, o.max_bytes)) + "…");
    std::string shown = html_escape(utf8_prefix(markdown, o.max_bytes)) + "…";
    return o.unwrap_paragraph ? shown : "<p class=\"too-long\">" + shown + "</p>\n";
  }
  NodePtr doc = parse(markdown);
  if (text) *text = doc ? collapse_spaces(raw_text(doc.get())) : std::string();
  if (!doc) return "";
  make_safe(doc.get(), o);
  cmark_node* only = cmark_node_first_child(doc.get());
  bool unwrap = o.unwrap_paragraph && only && !cmark_node_next(only) &&
                cmark_node_get_type(only) == CMARK_NODE_PARAGRAPH;
  std::string out;
  if (unwrap) {
    for (cmark_node* c = cmark_node_first_child(only); c; c = cmark_node_next(c)) {
      CharPtr html(cmark_render_html(c, CMARK_OPT_DEFAULT));
      if (html) out += html.get();
    }
  } else {
    CharPtr html(cmark_render_html(doc.get(), CMARK_OPT_DEFAULT));
    if (html) out = html.get();
  }
  return out;
}

/// CR LF and lone CR as LF: Markdown reads all three as line ends, the code that indents or
/// quotes text line by line only LF.
std::string unix_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r')
      out += text[i];
    else if (i + 1 == text.size() || text[i + 1] != '\n')
      out += '\n';
  }
  return out;
}

/// Text without any of what can make markup that runs or leads away (raw HTML and autolinks
/// need '<'; links, images and reference definitions need '[' or ']'), nor a code fence (an
/// unclosed one would change how the text after it reads), nor NUL: safe as written anywhere.
bool plainly_safe(std::string_view text) {
  return text.find_first_of(std::string_view("<[]\r\0", 5)) == std::string_view::npos &&
         text.find("```") == std::string_view::npos && text.find("~~~") == std::string_view::npos;
}

/// What cmark's CommonMark renderer writes between two adjacent lists so they stay two.
constexpr std::string_view kEndList = "<!-- end list -->";

/// True when a parsed Markdown text holds nothing but text a viewer shows as such: no raw HTML
/// (but cmark's own end-of-list comment), no image, and only links is_safe_url accepts.
bool markdown_is_safe(cmark_node* doc) {
  for (cmark_node* n : collect(doc)) {
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_HTML_BLOCK: {
        std::string_view lit = cmark_node_get_literal(n) ? cmark_node_get_literal(n) : "";
        while (!lit.empty() && lit.back() == '\n') lit.remove_suffix(1);
        if (lit != kEndList) return false;
        break;
      }
      case CMARK_NODE_HTML_INLINE:
      case CMARK_NODE_IMAGE:
      case CMARK_NODE_CUSTOM_BLOCK:
      case CMARK_NODE_CUSTOM_INLINE:
        return false;
      case CMARK_NODE_LINK:
        if (!is_safe_url(cmark_node_get_url(n) ? cmark_node_get_url(n) : "")) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

/// The tree rewritten as make_safe() does for HTML, but staying Markdown: raw HTML becomes
/// text, a link keeps only a destination is_safe_url accepts (else it becomes its text), an
/// image becomes a link to the image (or its alt text), so nothing is loaded from elsewhere.
void make_safe_markdown(cmark_node* doc) {
  for (cmark_node* n : collect(doc)) {
    auto t = cmark_node_get_type(n);
    if (t != CMARK_NODE_HTML_INLINE && t != CMARK_NODE_HTML_BLOCK) continue;
    std::string lit = cmark_node_get_literal(n) ? cmark_node_get_literal(n) : "";
    if (t == CMARK_NODE_HTML_INLINE) {
      cmark_node_replace(n, new_text(lit));
    } else {
      // Each line of the block as a line of a paragraph: shown as written, line by line.
      while (!lit.empty() && lit.back() == '\n') lit.pop_back();
      cmark_node* p = cmark_node_new(CMARK_NODE_PARAGRAPH);
      std::size_t start = 0;
      while (true) {
        std::size_t nl = lit.find('\n', start);
        cmark_node_append_child(
            p, new_text(lit.substr(start, nl == std::string::npos ? nl : nl - start)));
        if (nl == std::string::npos) break;
        cmark_node_append_child(p, cmark_node_new(CMARK_NODE_SOFTBREAK));
        start = nl + 1;
      }
      cmark_node_replace(n, p);
    }
    cmark_node_free(n);
  }
  std::vector<cmark_node*> links;
  for (cmark_node* n : collect(doc)) {
    auto t = cmark_node_get_type(n);
    if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) links.push_back(n);
  }
  for (auto it = links.rbegin(); it != links.rend(); ++it) {
    cmark_node* n = *it;
    std::string url = cmark_node_get_url(n) ? cmark_node_get_url(n) : "";
    if (is_safe_url(url) && !inside_link(n)) {
      if (cmark_node_get_type(n) == CMARK_NODE_LINK) continue;
      cmark_node* a = cmark_node_new(CMARK_NODE_LINK);
      cmark_node_set_url(a, url.c_str());
      if (const char* title = cmark_node_get_title(n)) cmark_node_set_title(a, title);
      move_children(n, a);
      cmark_node_replace(n, a);
    } else {
      move_children(n, nullptr);
      cmark_node_unlink(n);
    }
    cmark_node_free(n);
  }
  // A destination with a space or a control in it (from an entity) is written percent-encoded:
  // cmark's renderer would write a space there, and the link would not read back as one.
  for (cmark_node* n : collect(doc)) {
    if (cmark_node_get_type(n) != CMARK_NODE_LINK) continue;
    std::string url = cmark_node_get_url(n) ? cmark_node_get_url(n) : "";
    std::string encoded;
    for (char ch : url) {
      auto c = static_cast<unsigned char>(ch);
      if (c <= 0x20 || c == 0x7f) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        encoded += '%';
        encoded += kHex[c >> 4];
        encoded += kHex[c & 15];
      } else {
        encoded += ch;
      }
    }
    if (encoded != url) cmark_node_set_url(n, encoded.c_str());
  }
}

}  // namespace

std::string markdown_safe(std::string_view markdown, std::size_t max_bytes) {
  // Too long to parse, or rewritten into something that does not read back safe: every
  // character Markdown could read as syntax is escaped, and the text shows as written.
  if (markdown.size() > max_bytes)
    return markdown_escape(unix_lines(utf8_prefix(markdown, max_bytes))) + "…";
  if (plainly_safe(markdown)) return std::string(markdown);
  std::string text = unix_lines(markdown);
  NodePtr doc = parse(text);
  if (!doc) return markdown_escape(text);
  make_safe_markdown(doc.get());
  CharPtr rendered(cmark_render_commonmark(doc.get(), CMARK_OPT_DEFAULT, 0));
  std::string out = rendered ? rendered.get() : "";
  // What is written must read back as safe: checked, not assumed of the renderer.
  NodePtr back = parse(out);
  if (!back || !markdown_is_safe(back.get())) return markdown_escape(text);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string markdown_html(std::string_view markdown, const HtmlOptions& o) {
  return html_and_text(markdown, o, nullptr);
}

std::string markdown_html(std::string_view markdown, const HtmlOptions& o, std::string& text) {
  return html_and_text(markdown, o, &text);
}

std::string markdown_text(std::string_view markdown, std::size_t max_bytes) {
  if (markdown.size() > max_bytes)
    return collapse_spaces(std::string(utf8_prefix(markdown, max_bytes)) + "…");
  NodePtr doc = parse(markdown);
  return doc ? collapse_spaces(raw_text(doc.get())) : std::string();
}

std::string shorten(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0, cut = std::string_view::npos, last_space = std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) {
      cut = i;
      break;
    }
    if (text[i] == ' ') last_space = i;
    ++chars;
  }
  if (cut == std::string_view::npos) return std::string(text);
  std::size_t end = last_space != std::string_view::npos && last_space > cut / 2 ? last_space : cut;
  std::string out(text.substr(0, end));
  while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == ';' ||
                          out.back() == ':' || out.back() == '.'))
    out.pop_back();
  return out + "…";
}

std::string first_sentence(std::string_view text, std::size_t max_chars) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '.' || c == '!' || c == '?') && (i + 1 == text.size() || text[i + 1] == ' ')) {
      // "e.g. " and single initials are not the end of a sentence.
      std::size_t w = i;
      while (w > 0 && text[w - 1] != ' ') --w;
      std::string_view word = text.substr(w, i - w + 1);
      if (word == "e.g." || word == "i.e." || word == "vs." || word == "etc." || i - w <= 1)
        continue;
      return shorten(text.substr(0, i + 1), max_chars);
    }
  }
  return shorten(text, max_chars);
}

}  // namespace persona::render
