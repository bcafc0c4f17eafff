#include "render/context.h"

#include <cctype>
#include <set>

#include "core/hash.h"

namespace persona::render {

RenderContext::RenderContext(const Library& lib, std::string base)
    : RenderContext(lib, std::move(base), compute_activity(lib.personas, lib.records)) {}

RenderContext::RenderContext(const Library& lib, std::string base,
                             std::map<std::string, PersonaActivity> figures)
    : library(lib),
      activity(std::move(figures)),
      paths(lib.personas),
      base_url(base.empty() ? std::string(lib.config.base_url) : std::move(base)) {
  if (!base_url.empty() && base_url.back() != '/') base_url += '/';
  // A persona without records reads as activity_of()'s empty figures: the same on every page,
  // without 14 empty fields held for each.
  std::erase_if(activity, [](const auto& a) { return a.second.records.empty(); });
}

const PersonaActivity& RenderContext::activity_of(const std::string& pid) const {
  static const PersonaActivity kNone;
  auto it = activity.find(pid);
  return it == activity.end() ? kNone : it->second;
}

bool Sink::reuse(const std::string&, const std::string&) { return false; }

void Sink::file_pieces(
    const std::string& path, std::optional<std::uint64_t> size, const std::string& key,
    const std::function<void(const std::function<void(std::string_view)>&)>& fill) {
  std::string data;
  fill([&](std::string_view piece) { data += piece; });
  if (size && *size != data.size())
    throw std::logic_error("file " + path + " is not the size announced");
  file(path, std::move(data), key);
}

void FileSetSink::file(const std::string& path, std::string data, const std::string&) {
  std::lock_guard<std::mutex> lock(mutex_);
  files[path] = std::move(data);
}

void collect_pids(std::string_view text, std::set<std::string>& out) {
  for (std::size_t at = text.find("APP-"); at != std::string_view::npos;
       at = text.find("APP-", at + 4)) {
    std::size_t end = at + 4;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end > at + 4) out.insert(std::string(text.substr(at, end - at)));
  }
}

std::set<std::string> mentions_of(const Persona& p) {
  std::set<std::string> mentioned;
  for (const auto& [field, value] : p.text) collect_pids(value, mentioned);
  for (const auto& [field, items] : p.lists)
    for (const auto& item : items) collect_pids(item, mentioned);
  return mentioned;
}

std::string persona_key(const RenderContext& ctx, const Persona& p, std::string_view salt) {
  return persona_key_of(ctx, p, salt, "text", ctx.library.source(p.file), mentions_of(p));
}

void append_key_part(std::string& in, std::string_view value) {
  in += std::to_string(value.size());
  in += ':';
  in += value;
  in += '\n';
}

std::string persona_key_of(const RenderContext& ctx, const Persona& p, std::string_view salt,
                           std::string_view content_label, std::string_view content,
                           std::set<std::string> mentioned) {
  const Config& c = ctx.library.config;
  std::string in;
  in.reserve(512 + content.size());
  auto add = [&](std::string_view label, std::string_view value) {
    in += label;
    in += ' ';
    append_key_part(in, value);
  };
  add("salt", salt);
  add("name", c.name);
  add("description", c.description);
  add("repository", c.repository);
  add("contribute_url", c.contribute_url);
  add("base_url", ctx.base_url);
  add("file", p.file);
  add(content_label, content);
  add("app_name", p.app);
  std::string v;
  auto join = [&](std::initializer_list<std::string_view> parts) -> const std::string& {
    v.clear();
    for (std::string_view part : parts) {
      if (!v.empty()) v += ' ';
      v += part;
    }
    return v;
  };
  add("paths",
      join({ctx.paths.persona(p.pid, ""), ctx.paths.app(p.app), ctx.paths.category(p.category)}));
  for (const Record* r : ctx.activity_of(p.pid).records) {
    add("record", r->file);
    collect_pids(r->text, mentioned);
  }
  for (const auto& pid : mentioned) {
    const Persona* other = ctx.library.find(pid);
    add("mention", other ? join({pid, other->name, ctx.paths.persona(pid, "")}) : pid);
  }
  return blob_id(in);
}

std::string plural(long long n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string date_of(const std::string& time) { return time.substr(0, 10); }

}  // namespace persona::render
