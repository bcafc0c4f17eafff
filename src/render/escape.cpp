#include "render/escape.h"

#include <algorithm>
#include <cctype>

namespace persona::render {

namespace {

/// What html_escape puts for byte `c`: its entity, or nothing for a byte that stays.
std::string_view entity(char c) {
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return {};
  }
}

}  // namespace

void html_escape_append(std::string& out, std::string_view s) {
  std::size_t plain = 0;  // start of the bytes not yet copied: runs without specials go in whole
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::string_view e = entity(s[i]);
    if (e.empty()) continue;
    out.append(s.data() + plain, i - plain);
    out += e;
    plain = i + 1;
  }
  out.append(s.data() + plain, s.size() - plain);
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  html_escape_append(out, s);
  return out;
}

namespace {

const char kHex[] = "0123456789ABCDEF";

void percent(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

}  // namespace

std::string url_encode(std::string_view s) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += ch;
    else percent(out, c);
  }
  return out;
}

bool is_safe_url(std::string_view url) {
  std::size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string scheme;
  for (std::size_t i = 0; i < colon; ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (!std::isalpha(c)) return false;
    scheme += static_cast<char>(std::tolower(c));
  }
  if (scheme == "mailto") return colon + 1 < url.size();
  if (scheme != "http" && scheme != "https") return false;
  // A host must follow: "http:" alone or "http:foo" are not links anyone meant.
  return url.substr(colon + 1, 2) == "//" && colon + 3 < url.size();
}

std::string href_attribute(std::string_view url) {
  std::string encoded;
  for (char ch : url) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' ||
        c == '\\')
      percent(encoded, c);
    else
      encoded += ch;
  }
  return html_escape(encoded);
}

std::string script_safe_json(std::string_view j) {
  std::string out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    char c = j[i];
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else if (c == '\xE2' && i + 2 < j.size() && j[i + 1] == '\x80' &&
             (j[i + 2] == '\xA8' || j[i + 2] == '\xA9')) {
      out += j[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string fill_url_template(std::string_view tmpl,
                              std::initializer_list<std::pair<std::string_view, std::string_view>> vars) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      std::size_t close = tmpl.find('}', i + 1);
      if (close != std::string_view::npos) {
        std::string_view name = tmpl.substr(i + 1, close - i - 1);
        auto it = std::find_if(vars.begin(), vars.end(), [&](const auto& v) { return v.first == name; });
        if (it != vars.end()) {
          out += url_encode(it->second);
          i = close + 1;
          continue;
        }
      }
    }
    out += tmpl[i++];
  }
  return out;
}

std::string markdown_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '\0' && std::string_view("\\`*_[]<>#|~&!").find(c) != std::string_view::npos)
      out += '\\';
    out += c;
  }
  return out;
}

}  // namespace persona::render
