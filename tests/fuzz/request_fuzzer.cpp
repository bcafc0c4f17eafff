// The contribution request parser of `persona apply` (library/contribution.h parse_request: YAML,
// JSON or a GitHub issue-form body) on any bytes, then the request's own checks and their
// diagnostics: no crash, no hang, no leak; every diagnostic placed in the request.
#include "core/diagnostic.h"
#include "fuzz.h"
#include "library/contribution.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace persona;
  ParsedRequest req = parse_request("request", fuzz::text_of(data, size));
  if (req.format != "yaml" && req.format != "json" && req.format != "issue-form")
    fuzz::violated("a request is YAML, JSON or an issue form", req.format);
  for (const Diagnostic& d : req.diagnostics)
    if (d.message.empty() || d.line < 0 || d.column < 0)
      fuzz::violated("every diagnostic is placed and says something", d.code);
  if (count_errors(req.diagnostics) == 0) {
    for (bool require_note : {false, true})
      for (const RequestProblem& p : check_request(req.request, require_note)) {
        Diagnostic d = request_diagnostic(req, "request", p);
        if (d.message.empty()) fuzz::violated("a request problem says what is wrong", p.key);
      }
    (void)normalize_contribution_text(req.request.text);
  }
  return 0;
}
