#include "cli/runtime.h"

#include <unistd.h>

#include <iostream>
#include <set>

#include "core/error.h"
#include "core/text.h"
#include "git/repository.h"
#include "library/cache.h"
#include "library/partial_load.h"

namespace persona::cli {
namespace fs = std::filesystem;

Runtime::Runtime(std::ostream& o, std::ostream& e, std::function<const char*(const char*)> env)
    : out(o), err(e), getenv(std::move(env)) {}

void Runtime::check(unsigned needs) {
  if (needs & (kNeedLibrary | kNeedRepository)) root();
  if (needs & kNeedRepository) {
    // Opening checks that there is a repository and that git would trust it (safe.directory).
    git::Repository repo = git::Repository::discover(root());
    if (repo.is_bare())
      throw io_error("the library at " + quote(root().string(), 200) + " is in a bare repository",
                     "contributions and history need a clone with a working tree");
  }
}

fs::path Runtime::root() {
  if (root_) return *root_;
  if (!global.repo.empty()) {
    std::error_code ec;
    fs::path p = fs::absolute(global.repo, ec);
    if (!fs::is_directory(p, ec))
      throw io_error("--repo " + quote(global.repo, 200) + " is not a directory");
    if (!fs::is_regular_file(p / kConfigFile, ec))
      throw io_error("--repo " + quote(global.repo, 200) + " is not a persona library (no " +
                         kConfigFile + ")",
                     "a library has library.yaml at its root and personas under personas/");
    root_ = p;
  } else {
    root_ = require_library_root(fs::current_path());
  }
  return *root_;
}

std::shared_ptr<const schema::Schema> Runtime::persona_schema() {
  if (schema_) return schema_;
  if (global.schema.empty()) {
    schema_ = schema::Schema::builtin("persona");
  } else {
    schema_ = schema::Schema::load(read_file(global.schema), global.schema);
  }
  return schema_;
}

LoadOptions Runtime::load_options() {
  LoadOptions o;
  o.schema = persona_schema();
  o.jobs = global.jobs;
  const char* now = getenv("PERSONA_NOW");
  if (now && *now) o.now = now;
  return o;
}

LoadOptions Runtime::lean_load_options() {
  LoadOptions o = load_options();
  o.keep_content = false;
  o.cache_dir = cache::default_dir(getenv);
  return o;
}

const Library& Runtime::library() {
  if (!library_) library_ = load_library(root(), load_options());
  return *library_;
}

Config Runtime::config() {
  if (library_) return library_->config;
  return load_config(root());
}

bool Runtime::color() const {
  if (global.color == "always") return true;
  if (global.color == "never") return false;
  const char* no = getenv("NO_COLOR");
  if (no && *no) return false;
  const char* term = getenv("TERM");
  if (term && std::string(term) == "dumb") return false;
  return &out == &std::cout && ::isatty(STDOUT_FILENO);
}

const Persona& Runtime::persona(const std::string& pid) {
  const Library& lib = library();
  if (const Persona* p = lib.find(pid)) return *p;
  for (const auto& f : lib.files) {
    if (f.root) {
      const yaml::Node* n = f.root->find("pid");
      if (n && n->value == pid)
        throw Error(kExitProblems,
                    "persona " + quote(pid) + " in " + quote(f.path, 200) + " has problems",
                    "run 'persona validate " + f.path + "' to see them");
    }
  }
  std::string hint = did_you_mean(pid, lib.pids());
  throw usage_error("unknown persona " + quote(pid),
                    hint.empty() ? "'persona list' shows every pid" : hint);
}

std::size_t Runtime::warn_invalid_files() { return warn_invalid_files(library()); }

std::size_t Runtime::warn_invalid_files(const Library& lib) {
  // The first error of each file left out says why; a few files are named, then a count.
  constexpr std::size_t kNamed = 10;
  std::vector<const Diagnostic*> first;
  std::set<std::string> bad;
  for (const auto& f : lib.files)
    if (!f.ok()) bad.insert(f.path);
  for (const auto& f : lib.record_files)
    if (!f.record) bad.insert(f.path);
  for (const auto& d : lib.diagnostics) {
    if (d.severity != Severity::kError || !bad.count(d.file)) continue;
    if (first.empty() || first.back()->file != d.file) first.push_back(&d);
  }
  if (bad.empty() || warned_) return bad.size();
  warned_ = true;
  err << "persona: warning: " << bad.size() << (bad.size() == 1 ? " file is" : " files are")
      << " left out because of errors:\n";
  for (std::size_t i = 0; i < first.size() && i < kNamed; ++i) {
    const Diagnostic& d = *first[i];
    err << "  " << d.file;
    if (d.line) err << ":" << d.line << ":" << d.column;
    err << ": " << d.message << " [" << d.code << "]\n";
  }
  if (bad.size() > std::min(first.size(), kNamed))
    err << "  ... and " << bad.size() - std::min(first.size(), kNamed) << " more\n";
  err << "hint: run 'persona validate' to see every problem\n";
  return bad.size();
}

}  // namespace persona::cli
