#include "cli/runtime.h"

#include <unistd.h>

#include <iostream>

#include "core/error.h"
#include "core/text.h"
#include "library/cache.h"
#include "library/partial_load.h"

namespace persona::cli {
namespace fs = std::filesystem;

Runtime::Runtime(std::ostream& o, std::ostream& e, std::function<const char*(const char*)> env)
    : out(o), err(e), getenv(std::move(env)) {}

void Runtime::check(unsigned needs) {
  if (needs & kNeedLibrary) root();
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
        throw Error(kExitProblems, "persona " + quote(pid) + " in " + quote(f.path, 200) +
                                       " has problems",
                    "run 'persona validate " + f.path + "' to see them");
    }
  }
  std::string hint = did_you_mean(pid, lib.pids());
  throw usage_error("unknown persona " + quote(pid),
                    hint.empty() ? "'persona list' shows every pid" : hint);
}

void Runtime::warn_invalid_files() { warn_invalid_files(library()); }

void Runtime::warn_invalid_files(const Library& lib) {
  if (warned_) return;
  warned_ = true;
  std::size_t bad = 0;
  for (const auto& f : lib.files)
    if (!f.ok()) ++bad;
  if (bad)
    err << "persona: warning: " << bad << (bad == 1 ? " file has" : " files have")
        << " problems and " << (bad == 1 ? "is" : "are") << " left out; run 'persona validate'\n";
}

}  // namespace persona::cli
