#include "check/stats.h"

#include <cstdio>
#include <ostream>

#include "core/time.h"
#include "library/fields.h"
#include "library/records.h"

namespace persona::check {

namespace {

std::string age_text(const std::optional<long long>& days) {
  if (!days) return "-";
  if (*days <= 0) return "today";
  if (*days == 1) return "1 day ago";
  return std::to_string(*days) + " days ago";
}

}  // namespace

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100.0);
  return buf;
}

int PersonaStats::confirmed_fields() const {
  int n = 0;
  for (const auto& f : fields) n += f.confirmed();
  return n;
}

std::vector<std::string> PersonaStats::untouched_fields() const {
  std::vector<std::string> out;
  for (const auto& f : fields)
    if (!f.active()) out.push_back(f.field);
  return out;
}

LibraryStats compute_stats(const Library& lib, const std::string& now) {
  LibraryStats s;
  s.now = now;
  auto activity = compute_activity(lib.personas, lib.records);
  std::set<std::string> everyone;
  for (const auto& p : lib.personas) {
    PersonaStats ps;
    ps.pid = p.pid;
    ps.name = p.name;
    ps.file = p.file;
    const PersonaActivity& a = activity[p.pid];
    ps.records = a.total();
    ps.contributors = static_cast<int>(a.contributors.size());
    ps.last_activity = a.last_activity;
    if (!a.last_activity.empty()) ps.age_days = days_between(a.last_activity, now);
    everyone.insert(a.contributors.begin(), a.contributors.end());
    for (const auto& def : profile_fields()) {
      FieldStats fs;
      fs.field = std::string(def.name);
      if (auto it = a.fields.find(fs.field); it != a.fields.end()) {
        const FieldActivity& fa = it->second;
        fs.confirmations = fa.confirmations;
        fs.earlier_confirmations = fa.earlier_confirmations;
        fs.corrections = fa.corrections;
        fs.extensions = fa.extensions;
        fs.comments = fa.comments;
        fs.contributors = static_cast<int>(fa.contributors.size());
        fs.last_activity = fa.last_activity;
        if (!fa.last_activity.empty()) fs.age_days = days_between(fa.last_activity, now);
      }
      ++s.fields;
      s.confirmed_fields += fs.confirmed();
      s.untouched_fields += !fs.active();
      ps.fields.push_back(std::move(fs));
    }
    s.records += ps.records;
    s.personas.push_back(std::move(ps));
  }
  s.contributors = static_cast<int>(everyone.size());
  return s;
}

nlohmann::ordered_json stats_json(const LibraryStats& s) {
  using J = nlohmann::ordered_json;
  J j;
  j["version"] = 1;
  j["now"] = s.now;
  j["coverage"] = {{"fields", s.fields},
                   {"confirmed_fields", s.confirmed_fields},
                   {"untouched_fields", s.untouched_fields},
                   {"ratio", s.fields ? static_cast<double>(s.confirmed_fields) / s.fields : 0.0}};
  j["records"] = s.records;
  j["contributors"] = s.contributors;
  J personas = J::array();
  auto opt = [](const std::string& v) { return v.empty() ? J(nullptr) : J(v); };
  auto age = [](const std::optional<long long>& d) { return d ? J(*d) : J(nullptr); };
  for (const auto& p : s.personas) {
    J pj;
    pj["pid"] = p.pid;
    pj["name"] = p.name;
    pj["file"] = p.file;
    pj["records"] = p.records;
    pj["contributors"] = p.contributors;
    pj["confirmed_fields"] = p.confirmed_fields();
    pj["last_activity"] = opt(p.last_activity);
    pj["age_days"] = age(p.age_days);
    pj["untouched_fields"] = p.untouched_fields();
    J fields = J::array();
    for (const auto& f : p.fields) {
      J fj;
      fj["field"] = f.field;
      fj["confirmations"] = f.confirmations;
      fj["earlier_confirmations"] = f.earlier_confirmations;
      fj["corrections"] = f.corrections;
      fj["extensions"] = f.extensions;
      fj["comments"] = f.comments;
      fj["contributors"] = f.contributors;
      fj["last_activity"] = opt(f.last_activity);
      fj["age_days"] = age(f.age_days);
      fields.push_back(std::move(fj));
    }
    pj["fields"] = std::move(fields);
    personas.push_back(std::move(pj));
  }
  j["personas"] = std::move(personas);
  return j;
}

void print_stats(std::ostream& out, const LibraryStats& s) {
  out << "Validation coverage: " << s.confirmed_fields << " of " << s.fields << " fields ("
      << percent(s.coverage()) << ") have a confirmation of their current value\n";
  out << s.records << (s.records == 1 ? " contribution" : " contributions") << " from "
      << s.contributors << (s.contributors == 1 ? " contributor" : " contributors") << "; "
      << s.untouched_fields << " of " << s.fields << " fields have no activity yet\n";
  for (const auto& p : s.personas) {
    out << "\n" << p.pid << "  " << p.name << "  (" << p.file << ")\n";
    out << "  " << p.confirmed_fields() << " of " << p.fields.size() << " fields confirmed, "
        << p.records << (p.records == 1 ? " contribution" : " contributions") << ", last activity "
        << (p.last_activity.empty() ? std::string("never") : age_text(p.age_days)) << "\n";
    bool header = false;
    for (const auto& f : p.fields) {
      if (!f.active()) continue;
      if (!header) {
        char h[160];
        std::snprintf(h, sizeof h, "  %-16s %9s %8s %11s %10s %8s  %s\n", "field", "confirmed",
                      "earlier", "corrections", "extensions", "comments", "last activity");
        out << h;
        header = true;
      }
      char row[200];
      std::snprintf(row, sizeof row, "  %-16s %9d %8d %11d %10d %8d  %s\n", f.field.c_str(),
                    f.confirmations, f.earlier_confirmations, f.corrections, f.extensions,
                    f.comments, age_text(f.age_days).c_str());
      out << row;
    }
    auto none = p.untouched_fields();
    if (none.size() == p.fields.size()) {
      out << "  no activity on any field yet\n";
    } else if (!none.empty()) {
      out << "  no activity yet:";
      for (std::size_t i = 0; i < none.size(); ++i) out << (i ? ", " : " ") << none[i];
      out << "\n";
    }
  }
}

}  // namespace persona::check
