#pragma once
/// Diagnostics as a SARIF 2.1.0 log (the format GitHub code scanning and other tools read): one
/// run, the tool's rules with their descriptions (check/rules.h), one result per diagnostic with
/// its rule, level, message and location.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace persona::check {

struct SarifOptions {
  std::string tool_version;     ///< "0.1.0"
  std::string information_uri;  ///< the tool's home page, or "" to leave it out
};

/// The SARIF log. Locations are relative URIs (paths relative to the library root,
/// percent-encoded); columns count Unicode code points, as the diagnostics do.
nlohmann::ordered_json sarif_log(const std::vector<Diagnostic>& ds, const SarifOptions& options);

/// A relative path as a URI reference: every byte outside RFC 3986's unreserved set and '/'
/// percent-encoded.
std::string uri_from_path(std::string_view path);

}  // namespace persona::check
