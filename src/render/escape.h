#pragma once
/// Escaping for every context a value from a persona file can land in. Everything read from the
/// library is untrusted: it goes through one of these on its way into a page.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace persona::render {

/// Text for an HTML element or a quoted attribute value: & < > " ' become entities.
std::string html_escape(std::string_view s);
/// html_escape appending to `out`, for renderers that build one string (html_escape is made from
/// it, so the two cannot differ).
void html_escape_append(std::string& out, std::string_view s);

/// A URL component: every byte outside RFC 3986's unreserved set becomes %XX.
std::string url_encode(std::string_view s);

/// True for the only link schemes that survive into a page: http, https and mailto (any case).
/// Relative links, javascript:, data:, vbscript:, file: and anything malformed are refused.
bool is_safe_url(std::string_view url);

/// A URL about to be put in an href: spaces, controls, quotes, angle brackets, backticks and
/// non-ASCII bytes percent-encoded, then HTML-escaped. Call only on URLs is_safe_url accepts.
std::string href_attribute(std::string_view url);

/// True when `s` needs no escape in a JSON string: no '"', no backslash, no byte below 0x20.
/// Without an early exit, so the compiler can check a vector of bytes at a time.
bool json_plain(std::string_view s);

/// Appends `s` as a JSON string, exactly as nlohmann's dump() writes it (UTF-8 kept as it is;
/// " \ \b \f \n \r \t escaped by name, other controls as \u00xx; invalid UTF-8 replaced by
/// U+FFFD). The one JSON string escaper: the export manifest, the search index and the
/// front matter of Markdown files all go through it.
void append_json_string(std::string& out, std::string_view s);
/// append_json_string into a new string.
std::string json_string(std::string_view s);

/// JSON text made safe to embed in a <script> element or a JavaScript file: <, >, & and the
/// line separators U+2028 and U+2029 become \u escapes, so "</script>" cannot end the element.
std::string script_safe_json(std::string_view json_text);

/// A URL template with {name} placeholders replaced by the URL-encoded values in `vars`.
/// Unknown placeholders are left as they are.
std::string fill_url_template(
    std::string_view tmpl,
    std::initializer_list<std::pair<std::string_view, std::string_view>> vars);

/// Backslash-escapes the characters Markdown reads as inline syntax anywhere in a line
/// (backslash, backtick, * _ [ ] < > # | ~ & !), for metadata (names, slugs) put into Markdown.
std::string markdown_escape(std::string_view s);

}  // namespace persona::render
