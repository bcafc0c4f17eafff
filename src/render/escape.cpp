#include "render/escape.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace persona::render {

namespace {

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    auto c = code_point_at(s, i);
    if (!c) return false;
    i += c->len;
  }
  return true;
}

/// What html_escape puts for byte `c`: its entity, or nothing for a byte that stays.
std::string_view entity(char c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&#39;";
    default:
      return {};
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
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += ch;
    else
      percent(out, c);
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

bool json_plain(std::string_view s) {
  unsigned bad = 0;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bad |= static_cast<unsigned>(u == '"') | static_cast<unsigned>(u == '\\') |
           static_cast<unsigned>(u < 0x20);
  }
  return bad == 0;
}

void append_json_string(std::string& out, std::string_view s) {
  if (!valid_utf8(s)) {
    out += nlohmann::json(std::string(s))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  if (json_plain(s)) {
    out += s;
    out += '"';
    return;
  }
  std::size_t done = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    char esc[8];
    switch (u) {
      case '"':
        std::strcpy(esc, "\\\"");
        break;
      case '\\':
        std::strcpy(esc, "\\\\");
        break;
      case '\b':
        std::strcpy(esc, "\\b");
        break;
      case '\f':
        std::strcpy(esc, "\\f");
        break;
      case '\n':
        std::strcpy(esc, "\\n");
        break;
      case '\r':
        std::strcpy(esc, "\\r");
        break;
      case '\t':
        std::strcpy(esc, "\\t");
        break;
      default:
        if (u >= 0x20) continue;
        std::snprintf(esc, sizeof esc, "\\u%04x", u);
    }
    out.append(s.substr(done, i - done));
    out += esc;
    done = i + 1;
  }
  out.append(s.substr(done));
  out += '"';
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string script_safe_json(std::string_view j) {
  std::string out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    char c = j[i];
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
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

std::string fill_url_template(
    std::string_view tmpl,
    std::initializer_list<std::pair<std::string_view, std::string_view>> vars) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      std::size_t close = tmpl.find('}', i + 1);
      if (close != std::string_view::npos) {
        std::string_view name = tmpl.substr(i + 1, close - i - 1);
        auto it =
            std::find_if(vars.begin(), vars.end(), [&](const auto& v) { return v.first == name; });
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
