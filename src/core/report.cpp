#include "core/report.h"

#include <map>
#include <set>

#include "core/text.h"
#include "core/untrusted.h"

namespace persona {

namespace {
const char* kRed = "\x1b[1;31m";
const char* kYellow = "\x1b[1;33m";
const char* kBold = "\x1b[1m";
const char* kCyan = "\x1b[36m";
const char* kReset = "\x1b[0m";

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}
}  // namespace

void print_text(std::ostream& out, const std::vector<Diagnostic>& ds, const SourceLookup& source,
                bool color) {
  std::map<std::string, std::vector<std::string_view>> lines_of;
  std::map<std::string, std::string> texts;
  for (const auto& d : ds) {
    auto c = [&](const char* code) { return color ? code : ""; };
    out << c(kBold) << terminal_safe(d.file);
    if (d.line > 0) out << ":" << d.line << ":" << d.column;
    out << ": " << c(kReset) << c(d.severity == Severity::kError ? kRed : kYellow)
        << severity_name(d.severity) << ":" << c(kReset) << " " << terminal_safe(d.message) << " ["
        << d.code << "]\n";
    if (d.line > 0 && source) {
      if (!texts.count(d.file)) {
        texts[d.file] = source(d.file);
        lines_of[d.file] = split_lines(texts[d.file]);
      }
      const auto& lines = lines_of[d.file];
      if (d.line <= static_cast<int>(lines.size())) {
        std::string_view l = lines[d.line - 1];
        // A byte order mark is no character of the document (YAML readers skip it, and so do
        // their columns): leave it out rather than show it as '?' above column 1.
        if (d.line == 1 && l.substr(0, 3) == "\xEF\xBB\xBF") l.remove_prefix(3);
        std::string num = std::to_string(d.line);
        // Show at most 160 characters of the line around the column; never echo a control or
        // bidi character or broken UTF-8 from a hostile file to a terminal (one '?' each, so
        // the caret stays under its column).
        std::string shown;
        int col = 0, caret = 0;
        int first = std::max(1, d.column - 80);
        for (std::size_t i = 0; i < l.size();) {
          auto cp = code_point_at(l, i);
          std::size_t len = cp ? cp->len : 1;
          ++col;
          if (col >= first + 160) break;
          if (col >= first) {
            if (cp && cp->cp == '\t')
              shown += ' ';
            else if (!cp || is_invisible_control(cp->cp))
              shown += '?';
            else
              shown.append(l.substr(i, len));
          }
          i += len;
        }
        caret = d.column - first;
        out << " " << num << " | " << shown << "\n";
        out << " " << std::string(num.size(), ' ') << " | " << std::string(std::max(0, caret), ' ')
            << c(kCyan) << "^" << c(kReset) << "\n";
      }
    }
    if (!d.hint.empty())
      out << "  " << c(kCyan) << "hint:" << c(kReset) << " " << terminal_safe(d.hint) << "\n";
  }
}

nlohmann::ordered_json diagnostics_json(const std::vector<Diagnostic>& ds,
                                        std::size_t files_checked) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["files_checked"] = files_checked;
  j["errors"] = count_errors(ds);
  j["warnings"] = count_warnings(ds);
  j["diagnostics"] = nlohmann::ordered_json::array();
  for (const auto& d : ds) {
    nlohmann::ordered_json e;
    e["file"] = d.file;
    e["line"] = d.line;
    e["column"] = d.column;
    e["severity"] = severity_name(d.severity);
    e["code"] = d.code;
    e["message"] = d.message;
    e["hint"] = d.hint;
    j["diagnostics"].push_back(std::move(e));
  }
  return j;
}

std::string github_escape_data(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}

std::string github_escape_property(std::string_view s) {
  std::string out;
  for (char c : github_escape_data(s)) {
    if (c == ':')
      out += "%3A";
    else if (c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

void print_github(std::ostream& out, const std::vector<Diagnostic>& ds, int max_errors,
                  int max_warnings) {
  int errors = 0, warnings = 0, dropped = 0;
  for (const auto& d : ds) {
    bool err = d.severity == Severity::kError;
    int& count = err ? errors : warnings;
    int limit = err ? max_errors : max_warnings;
    if (limit >= 0 && count >= limit) {
      ++dropped;
      continue;
    }
    ++count;
    out << "::" << (err ? "error" : "warning")
        << " file=" << github_escape_property(terminal_safe(d.file));
    if (d.line > 0) out << ",line=" << d.line << ",col=" << d.column;
    out << ",title=" << github_escape_property("persona " + d.code) << "::"
        << github_escape_data(
               terminal_safe(d.message + (d.hint.empty() ? "" : " (" + d.hint + ")")))
        << "\n";
  }
  if (dropped > 0)
    out << "::notice title=persona::" << dropped
        << " more problems not annotated (GitHub shows at most 10 errors and 10 warnings per "
           "step)\n";
}

namespace {
/// A Markdown table cell of the step summary, which GitHub renders: text only. Line breaks as
/// <br>, other control and bidi characters made visible (terminal_safe), every character
/// Markdown or HTML could read as a link, image, code span, tag or table cell escaped (emphasis
/// is left alone: it can do no harm, and escaping every '_' made names unreadable).
std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : terminal_safe(s, true)) {
    if (c == '\n')
      out += "<br>";
    else if (c == '\t')
      out += ' ';
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (std::string_view("|\\`[]").find(c) != std::string_view::npos)
      out += std::string("\\") + c;
    else
      out += c;
  }
  return out;
}
}  // namespace

std::string github_step_summary(const std::vector<Diagnostic>& ds, std::size_t files_checked,
                                std::string_view heading) {
  std::string md = "### " + std::string(heading) + "\n\n" + summary_line(ds, files_checked) + "\n";
  if (ds.empty()) return md + "\n";
  md += "\n| | File | Line | Rule | Problem |\n| --- | --- | ---: | --- | --- |\n";
  for (const auto& d : ds) {
    md += std::string("| ") + (d.severity == Severity::kError ? "error" : "warning") + " | " +
          md_cell(d.file) + " | " + (d.line > 0 ? std::to_string(d.line) : "") + " | `" + d.code +
          "` | " + md_cell(d.message);
    if (!d.hint.empty()) md += "<br>hint: " + md_cell(d.hint);
    md += " |\n";
  }
  return md + "\n";
}

std::string summary_line(const std::vector<Diagnostic>& ds, std::size_t files_checked) {
  std::size_t e = count_errors(ds), w = count_warnings(ds);
  std::set<std::string> files;
  for (const auto& d : ds) files.insert(d.file);
  if (e == 0 && w == 0) return plural(files_checked, "file", "files") + " checked, no problems";
  std::string s;
  if (e) s += plural(e, "error", "errors");
  if (e && w) s += " and ";
  if (w) s += plural(w, "warning", "warnings");
  return s + " in " + plural(files.size(), "file", "files") + " (" +
         plural(files_checked, "file", "files") + " checked)";
}

}  // namespace persona
