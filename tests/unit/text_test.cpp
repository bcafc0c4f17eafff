#include "core/text.h"

#include <doctest/doctest.h>

using namespace persona;

TEST_CASE("slugify") {
  CHECK(slugify("Segment Data Architect") == "segment-data-architect");
  CHECK(slugify("  PostHog -- Product  Engineer! ") == "posthog-product-engineer");
  CHECK(slugify("../../etc/passwd") == "etc-passwd");
  CHECK(slugify("Café") == "caf");
}

TEST_CASE("did you mean") {
  std::vector<std::string> names{"identity", "intention", "outcome", "aha_moment"};
  CHECK(did_you_mean("identty", names) == "did you mean 'identity'?");
  CHECK(did_you_mean("aha-moment", names) == "did you mean 'aha_moment'?");
  CHECK(did_you_mean("zzzzzzzz", names) == "");
  CHECK(did_you_mean("identity", names) == "");
}

TEST_CASE("text faults give line and column") {
  CHECK(!find_text_fault("plain\ttext\r\nok é ✓ 😀\n"));
  auto f = find_text_fault("ab\ncd\x07");
  REQUIRE(f);
  CHECK(f->line == 2);
  CHECK(f->column == 3);
  CHECK(f->what == "control character U+0007");
  f = find_text_fault("é\xc3");
  REQUIRE(f);
  CHECK(f->column == 2);
  CHECK(f->what == "invalid UTF-8 sequence starting with byte 0xc3");
  CHECK(find_text_fault("\xc0\xaf"));      // overlong
  CHECK(find_text_fault("\xed\xa0\x80"));  // surrogate
  CHECK(find_text_fault("x\xc2\x85"));     // C1 control (NEL)
  CHECK(find_text_fault(std::string("a\0b", 3))->what == "NUL byte");
}

TEST_CASE("quote escapes and shortens") {
  CHECK(quote("abc") == "'abc'");
  CHECK(quote("a\nb") == "'a\\nb'");
  CHECK(quote("a\x1b[31m") == "'a\\x1b[31m'");
  CHECK(quote(std::string(100, 'x'), 5) == "'xxxxx...'");
}

TEST_CASE("text faults are found wherever they fall in the 8-byte steps of the fast scan") {
  // Printable lines with tabs, CRs and multi-byte characters around each fault, at every
  // offset within a word.
  const std::string prefix =
      "abc\tdef\r\nghij klmn opq\nr\xC3\xA9s \xE2\x9C\x93 tuvwxyz 0123456789\n";
  CHECK(!find_text_fault(prefix + prefix + prefix));
  struct Case {
    std::string bad;
    std::string what;
  };
  const Case cases[] = {
      {"\x07", "control character U+0007"},
      {"\x7f", "control character U+007F"},
      {std::string(1, '\0'), "NUL byte"},
      {"\xff", "invalid UTF-8 byte 0xff"},
      {"\xc0\xaf", "invalid UTF-8 sequence starting with byte 0xc0"},
      {"\xc2\x85", "control character U+0085"},
      {"\xef\xbb\xbf", "control character U+FEFF"},
      {"\xe2\x82", "invalid UTF-8 sequence starting with byte 0xe2"},
  };
  for (const auto& c : cases) {
    for (std::size_t pad = 0; pad < 17; ++pad) {
      std::string text = prefix + std::string(pad, 'x') + c.bad + "tail text\n";
      CAPTURE(pad);
      CAPTURE(c.what);
      auto f = find_text_fault(text);
      REQUIRE(f);
      CHECK(f->what == c.what);
      CHECK(f->line == 4);
      CHECK(f->column == static_cast<int>(pad) + 1);
    }
  }
}
