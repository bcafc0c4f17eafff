#include "workflow/contribute.h"

#include <algorithm>

#include "core/error.h"
#include "core/text.h"
#include "core/time.h"
#include "core/untrusted.h"
#include "git/repository.h"
#include "git/worktree.h"
#include "library/blob_cache.h"
#include "library/format.h"
#include "yaml/tree.h"

namespace persona {
namespace fs = std::filesystem;

namespace {

struct Identity {
  std::string display;
  git::Signature author, committer;
};

std::string env(const ContributeOptions& o, const char* name) {
  if (!o.getenv) return {};
  const char* v = o.getenv(name);
  return v ? std::string(trim(v)) : std::string();
}

std::string placeholder_email(const std::string& name) {
  std::string slug = slugify(name);
  return (slug.empty() ? std::string("contributor") : slug) + "@users.noreply.persona";
}

git::Signature when(const ContributeOptions& o, const char* var, std::int64_t fallback) {
  std::string raw = env(o, var);
  git::Signature s;
  if (raw.empty()) {
    s.time = fallback;
    return s;
  }
  auto parsed = parse_date(raw);
  if (!parsed)
    throw usage_error(std::string(var) + " " + quote(raw) + " is not a date git understands",
                      "e.g. '@1764351000 +0000' or '2026-11-28T17:30:00Z'");
  s.time = parsed->seconds;
  s.offset_minutes = parsed->offset_minutes;
  return s;
}

Identity resolve_identity(const git::Repository& repo, const ContributeOptions& o) {
  Identity id;
  auto cfg_name = repo.config_string("user.name");
  auto cfg_email = repo.config_string("user.email");
  std::string user_name = cfg_name ? std::string(trim(*cfg_name)) : "";
  std::string user_email = cfg_email ? std::string(trim(*cfg_email)) : "";
  std::string explicit_author(trim(o.request.author));
  std::string env_name = env(o, "GIT_AUTHOR_NAME");
  id.display = !explicit_author.empty() ? explicit_author
               : !env_name.empty()      ? env_name
                                        : user_name;
  if (id.display.empty())
    throw io_error("no name to credit the contribution to: git has no user.name",
                   "set it with: git config user.name \"Your Name\" (or pass --author NAME)");
  if (contains_email(id.display))
    throw usage_error("the author name " + quote(id.display) + " contains an email address",
                      "contributions are published: use a display name (--author NAME)");
  if (std::string why = display_name_problem(id.display); !why.empty())
    throw usage_error("the author name " + quote(id.display) + " cannot be published: " + why,
                      "give the name to credit on one line, without control characters "
                      "(--author NAME, or git config user.name)");

  auto now = parse_utc(o.now);
  if (!now)
    throw usage_error("the time " + quote(o.now) + " is not a UTC time like 2026-11-28T17:30:00Z",
                      "PERSONA_NOW sets it for tests; unset it to use the clock");
  id.author = when(o, "GIT_AUTHOR_DATE", *now);
  id.committer = when(o, "GIT_COMMITTER_DATE", *now);
  id.author.name = id.display;
  std::string env_email = env(o, "GIT_AUTHOR_EMAIL");
  if (!explicit_author.empty())
    id.author.email = placeholder_email(id.display);
  else
    id.author.email = !env_email.empty()    ? env_email
                      : !user_email.empty() ? user_email
                                            : placeholder_email(id.display);
  std::string c_name = env(o, "GIT_COMMITTER_NAME");
  id.committer.name = !c_name.empty() ? c_name : !user_name.empty() ? user_name : id.display;
  std::string c_email = env(o, "GIT_COMMITTER_EMAIL");
  id.committer.email = !c_email.empty()      ? c_email
                       : !user_email.empty() ? user_email
                                             : placeholder_email(id.committer.name);
  return id;
}

/// The pid a persona file declares, read as validate reads it but only as far as the pid (it
/// usually comes first); "" when the file has none that reads.
std::string declared_pid(std::string_view text, const std::string& path) {
  static const std::vector<std::string_view> kPid{"pid"};
  auto r = yaml::parse_keys(text, path, kPid);
  const yaml::Node* n = r.root ? r.root->find("pid") : nullptr;
  return n && n->is_scalar() ? n->value : std::string();
}

std::string shell_word(const std::string& s) {
  bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) ||
           std::string_view("-_./:@+=,").find(ch) != std::string_view::npos;
  });
  if (plain) return s;
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string lock_message(const fs::path& lock, const std::string& branch) {
  std::string name = lock.filename().string();
  std::string what = name == "HEAD.lock"          ? "HEAD is locked"
                     : name == "packed-refs.lock" ? "the packed refs are locked"
                                                  : "branch " + quote(branch, 200) + " is locked";
  return what + ": " + quote(lock.string(), 300) + " exists";
}

/// The persona `pid` names at `base` (not in the working tree, which may differ): the first
/// file, in listing order, whose pid (read as validate reads it) is the one asked for. The pid each
/// blob declares comes from the cache when it has been read before (a blob id names its content for
/// good), else from the working tree's file when git would call it unchanged and the index holds
/// that very blob (reading a file is far cheaper than inflating a blob), else from the blob. Fills
/// `path` (relative to the library root) and `text`, or leaves them empty and returns every pid
/// seen, for "did you mean".
std::vector<std::string> find_persona_at(const git::Repository& repo, const std::string& base,
                                         const std::string& prefix, const std::string& pid,
                                         const fs::path& cache_dir, std::string& path,
                                         std::string& text) {
  auto in_repo = [&](const std::string& rel) { return prefix.empty() ? rel : prefix + "/" + rel; };
  auto files = repo.list_blobs(base, in_repo(kPersonasDir), 8, {".yaml", ".yml"});
  BlobValueCache pid_cache = BlobValueCache::open(cache_dir, "key-pid", repo.common_dir());
  git::CleanWorktree worktree(repo);
  std::vector<std::string> pids;
  for (const auto& f : files) {
    std::string declared;
    if (const std::string* cached = pid_cache.find(f.id)) {
      declared = *cached;
    } else {
      std::optional<std::string> t = worktree.read(f.path, f.id);
      if (!t) t = repo.read_blob_id(f.id);
      if (!t) continue;
      declared = declared_pid(*t, f.path);
      pid_cache.put(f.id, declared);
    }
    if (declared == pid && path.empty()) {
      // The persona's own bytes come from the blob, and must name the pid the scan found.
      std::optional<std::string> t = repo.read_blob_id(f.id);
      if (t && declared_pid(*t, f.path) == pid) {
        path = prefix.empty() ? f.path : f.path.substr(prefix.size() + 1);
        text = std::move(*t);
      }
    }
    if (!declared.empty()) pids.push_back(declared);
  }
  pid_cache.save();
  return pids;
}

/// Refuses a branch name git would refuse, a branch that exists (suggesting a free name) and a
/// held ref lock.
void check_branch_free(const git::Repository& repo, const std::string& branch) {
  if (!git::Repository::valid_branch_name(branch))
    throw usage_error(
        quote(branch, 200) + " is not a valid branch name",
        "branch names cannot contain spaces, '..', '~', '^', ':', '?', '*', '[' or '\\'");
  if (repo.branch_exists(branch)) {
    std::string free_name;
    for (int n = 2; n < 1000 && free_name.empty(); ++n)
      if (!repo.branch_exists(branch + "-" + std::to_string(n)))
        free_name = branch + "-" + std::to_string(n);
    throw io_error("branch " + quote(branch, 200) + " already exists",
                   "choose another name with --branch, e.g. " + quote(free_name, 200));
  }
  auto locks = repo.locks_present({"refs/heads/" + branch});
  if (!locks.empty())
    throw io_error(lock_message(locks.front(), branch),
                   "another git process seems to be running; if none is, remove the file yourself "
                   "(persona never removes lock files)");
}

/// The remote a push goes to: --push's, else origin (also when there is none), else the first.
std::string push_remote(const git::Repository& repo, const std::optional<std::string>& push) {
  if (push && !push->empty()) return *push;
  auto remotes = repo.remotes();
  if (std::find(remotes.begin(), remotes.end(), "origin") != remotes.end() || remotes.empty())
    return "origin";
  return remotes.front();
}

/// Writes the commit and the branch, then pushes when asked.
void write_branch(git::Repository& repo, const ContributeOptions& o, const Identity& id,
                  const std::string& prefix, ContributeResult& res) {
  const Contribution& c = res.contribution;
  auto in_repo = [&](const std::string& rel) { return prefix.empty() ? rel : prefix + "/" + rel; };
  git::CommitRequest commit;
  commit.parent = res.base_commit;
  commit.files.push_back({in_repo(c.record.file), c.record_text});
  if (c.persona_text) commit.files.push_back({in_repo(c.persona_path), *c.persona_text});
  commit.message = contribution_message(c);
  commit.author = id.author;
  commit.committer = id.committer;
  res.commit = repo.write_commit(commit);
  repo.create_branch(
      res.branch, res.commit,
      "persona: " + c.record.kind + " " + c.record.pid + " on " + res.base_commit.substr(0, 12));
  if (!o.push) return;
  try {
    repo.push_branch(res.remote, res.branch);
  } catch (const Error& e) {
    // The branch and commit exist: say so, with the command that finishes the job.
    throw Error(e.code(), e.what(),
                "the branch " + quote(res.branch, 200) + " was made (commit " +
                    res.commit.substr(0, 12) +
                    "); once the remote works, push it with: " + res.push_command);
  }
  res.pushed = true;
}

}  // namespace

ContributeResult contribute(const ContributeOptions& o) {
  ContributeResult res;
  Contribution& c = res.contribution;
  c.problems = check_request(o.request, o.require_note);
  if (!c.problems.empty()) return res;

  // The command layer has checked that the library is in a repository git trusts, with a
  // working tree (cli Runtime::check, kNeedRepository).
  git::Repository repo = git::Repository::discover(o.library_root);
  std::string prefix = repo.path_in_repo(o.library_root);
  auto in_repo = [&](const std::string& rel) { return prefix.empty() ? rel : prefix + "/" + rel; };

  if (o.base.empty()) {
    res.base_commit = repo.head_commit();
  } else {
    auto b = repo.try_resolve_commit(o.base);
    if (!b)
      throw io_error("the base " + quote(o.base) + " does not resolve to a commit",
                     "'git branch -a' lists the branches; any revision git understands works");
    res.base_commit = *b;
  }

  Identity id = resolve_identity(repo, o);
  ContributionRequest req = o.request;
  req.author = id.display;

  std::string persona_path, persona_text;
  std::vector<std::string> pids = find_persona_at(repo, res.base_commit, prefix, req.pid,
                                                  o.cache_dir, persona_path, persona_text);
  if (persona_path.empty()) {
    std::string hint = did_you_mean(req.pid, pids);
    c.problems.push_back({"pid",
                          "unknown persona " + quote(req.pid) + " at the base commit " +
                              quote(res.base_commit.substr(0, 12)),
                          hint.empty() ? "'persona list' shows every pid" : hint});
    return res;
  }
  c = make_contribution(persona_path, persona_text, req, o.now, *o.persona_schema);
  if (!c.ok()) return res;

  res.files.push_back(in_repo(c.record.file));
  if (c.persona_text) res.files.push_back(in_repo(c.persona_path));
  res.branch = o.branch.empty() ? default_branch_name(o.branch_prefix, c.record) : o.branch;
  check_branch_free(repo, res.branch);
  res.remote = push_remote(repo, o.push);
  res.push_command = "git push -u " + shell_word(res.remote) + " " + shell_word(res.branch);
  if (!o.dry_run) write_branch(repo, o, id, prefix, res);
  return res;
}

std::string describe_result(const ContributeResult& r, bool dry_run) {
  const Contribution& c = r.contribution;
  std::string out;
  auto indented = [](const std::string& text) {
    std::string o;
    for (auto line : split_lines(text)) o += line.empty() ? "\n" : "  " + std::string(line) + "\n";
    return o;
  };
  if (dry_run) {
    out += "branch: " + r.branch + " (would be created at " + r.base_commit.substr(0, 12) + ")\n";
    for (const auto& f : r.files) out += "would write: " + f + "\n";
    out += "\n" + r.files.front() + ":\n" + indented(c.record_text);
    if (c.persona_text) {
      out += "\n" + c.record.field + " before:\n" + indented(c.old_value);
      out += "\n" + c.record.field + " after:\n" + indented(c.new_value);
    }
    out += "\npush: " + r.push_command + "\n";
    out += "dry run: nothing written\n";
    return out;
  }
  out += "branch: " + r.branch + "\n";
  out += "commit: " + r.commit + "\n";
  for (const auto& f : r.files) out += "wrote: " + f + "\n";
  if (r.pushed)
    out += "pushed: " + r.remote + " " + r.branch + "\n";
  else
    out += "push: " + r.push_command + "\n";
  return out;
}

}  // namespace persona
