#pragma once
/// Printing diagnostics for people (text, with source excerpt and caret), for tools (one JSON
/// document) and for GitHub Actions (workflow-command annotations).
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "core/diagnostic.h"

namespace persona {

enum class OutputFormat { kText, kJson, kGithub };

/// Returns the text of a file named in a diagnostic ("" when unavailable).
using SourceLookup = std::function<std::string(const std::string& file)>;

/// file:line:col: error: message [code], the source line, a caret under the column, the hint.
void print_text(std::ostream& out, const std::vector<Diagnostic>& ds, const SourceLookup& source,
                bool color);

/// The JSON document of `validate --format json` (documented in the README).
nlohmann::ordered_json diagnostics_json(const std::vector<Diagnostic>& ds,
                                        std::size_t files_checked);

/// One workflow command per diagnostic; at most `max_errors` errors and `max_warnings` warnings
/// (negative = no limit), the rest summarised in a notice.
void print_github(std::ostream& out, const std::vector<Diagnostic>& ds, int max_errors = -1,
                  int max_warnings = -1);

/// The Markdown appended to $GITHUB_STEP_SUMMARY: a heading, the summary line, and a table of
/// every diagnostic (annotations stop at GitHub's per-step limit; this table does not).
std::string github_step_summary(const std::vector<Diagnostic>& ds, std::size_t files_checked,
                                std::string_view heading);

/// "2 errors and 1 warning in 1 file" / "12 files ok".
std::string summary_line(const std::vector<Diagnostic>& ds, std::size_t files_checked);

/// Escapes for GitHub workflow commands: data (message) and property values.
std::string github_escape_data(std::string_view s);
std::string github_escape_property(std::string_view s);

}  // namespace persona
