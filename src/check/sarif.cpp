#include "check/sarif.h"

#include <map>

#include "check/rules.h"

namespace persona::check {

std::string uri_from_path(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == '/') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {
const char* level(Severity s) { return s == Severity::kError ? "error" : "warning"; }
}  // namespace

nlohmann::ordered_json sarif_log(const std::vector<Diagnostic>& ds, const SarifOptions& o) {
  using J = nlohmann::ordered_json;
  // Every rule of the catalogue, then any code it does not know, each at a fixed index.
  J rules = J::array();
  std::map<std::string, std::size_t> index;
  auto add_rule = [&](const RuleInfo& r) {
    std::string id(r.id);
    if (index.count(id)) return;
    index[id] = rules.size();
    J rule;
    rule["id"] = id;
    rule["shortDescription"] = {{"text", std::string(r.description)}};
    rule["defaultConfiguration"] = {{"level", level(r.level)}};
    rules.push_back(std::move(rule));
  };
  for (const auto& r : rule_catalog()) add_rule(r);
  for (const auto& d : ds) add_rule(describe_rule(d.code));

  J results = J::array();
  for (const auto& d : ds) {
    J res;
    res["ruleId"] = d.code;
    res["ruleIndex"] = index[d.code];
    res["level"] = level(d.severity);
    res["message"] = {{"text", d.message + (d.hint.empty() ? "" : " (hint: " + d.hint + ")")}};
    if (!d.file.empty()) {
      J phys;
      phys["artifactLocation"] = {{"uri", uri_from_path(d.file)}};
      if (d.line > 0) {
        J region;
        region["startLine"] = d.line;
        if (d.column > 0) region["startColumn"] = d.column;
        phys["region"] = std::move(region);
      }
      res["locations"] = J::array({J{{"physicalLocation", std::move(phys)}}});
    }
    results.push_back(std::move(res));
  }

  J driver;
  driver["name"] = "persona";
  driver["version"] = o.tool_version;
  driver["semanticVersion"] = o.tool_version;
  if (!o.information_uri.empty()) driver["informationUri"] = o.information_uri;
  driver["rules"] = std::move(rules);

  J run;
  run["tool"] = {{"driver", std::move(driver)}};
  run["columnKind"] = "unicodeCodePoints";
  run["results"] = std::move(results);

  J log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = J::array({std::move(run)});
  return log;
}

}  // namespace persona::check
