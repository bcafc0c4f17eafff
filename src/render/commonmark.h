#pragma once
/// Markdown from persona files (and contribution records) turned into HTML that is safe to put
/// in a page, or into plain text for excerpts and the search index. This is the only module that
/// includes cmark.
///
/// Parsing uses cmark's default safe mode (never CMARK_OPT_UNSAFE) with CMARK_OPT_VALIDATE_UTF8;
/// then the tree is rewritten before rendering:
///  - raw HTML (block and inline) becomes literal text, shown escaped rather than dropped, so
///    "<Suspense>" in a persona reads as written and "<script>" is inert;
///  - links keep only http, https and mailto destinations (others become their text) and get
///    rel="nofollow ugc noopener";
///  - images become links to the image (or their alt text), so a page never loads anything from
///    another host;
///  - headings are shifted down (heading_offset) to keep the page's heading order;
///  - mentions of known pids ("APP-153") become links to their pages.
/// Input larger than `max_bytes` is not parsed at all: it is shown as escaped text, truncated,
/// so a pathological input cannot stall the renderer.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace persona::render {

/// The schema caps a text field at 8000 characters; 4 bytes each is the most that can be.
inline constexpr std::size_t kMaxMarkdownBytes = 32000;

struct MentionLink {
  std::string href;   ///< relative link to the persona's page
  std::string title;  ///< the persona's name
};

struct HtmlOptions {
  int heading_offset = 0;  ///< added to every heading level (clamped to 6)
  const std::map<std::string, MentionLink>* mentions = nullptr;  ///< by pid
  std::size_t max_bytes = kMaxMarkdownBytes;
  /// When the text is one paragraph, render only its content (for list items and excerpts).
  bool unwrap_paragraph = false;
};

/// Safe HTML for a Markdown text.
std::string markdown_html(std::string_view markdown, const HtmlOptions& options = {});
/// The same, with markdown_text(markdown, options.max_bytes) put in `text`, from one parse.
std::string markdown_html(std::string_view markdown, const HtmlOptions& options, std::string& text);

/// A Markdown text made safe to render in a viewer that allows raw HTML, with the same policy as
/// markdown_html(): raw HTML (block and inline) is escaped so it shows as text, links keep only
/// destinations is_safe_url() accepts (others become their text), images become links to the
/// image (or their alt text). The rest of the Markdown stays: a text with no '<', '[', ']',
/// code fence, CR or NUL is returned as it is; any other is parsed and written back by cmark's
/// CommonMark renderer (equivalent Markdown, not always the same characters), with line ends as
/// LF. The result is parsed again and checked; if it does not read back safe, or the text is
/// longer than `max_bytes`, every Markdown syntax character is backslash-escaped instead.
std::string markdown_safe(std::string_view markdown, std::size_t max_bytes = kMaxMarkdownBytes);

/// The words of a Markdown text without its syntax, whitespace collapsed to single spaces.
std::string markdown_text(std::string_view markdown, std::size_t max_bytes = kMaxMarkdownBytes);

/// At most `max_chars` characters of `text`, cut at a word boundary with "…" when shortened.
std::string shorten(std::string_view text, std::size_t max_chars);

/// The first sentence of `text` (up to and including its '.', '!' or '?'), shortened.
std::string first_sentence(std::string_view text, std::size_t max_chars);

}  // namespace persona::render
