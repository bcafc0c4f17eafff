#include "workflow/contribute.h"

#include <algorithm>

#include "core/error.h"
#include "core/text.h"
#include "core/time.h"
#include "core/untrusted.h"
#include "git/pending.h"
#include "git/repository.h"
#include "git/worktree.h"
#include "library/format.h"
#include "workflow/persona_at.h"

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

/// The same contribution: pid, kind, field, text (as normalized) and author; for a confirmation
/// also the value confirmed (confirming a value corrected since is a new contribution).
bool same_contribution(const Record& a, const Record& b) {
  return a.pid == b.pid && a.kind == b.kind && a.field == b.field &&
         normalize_contribution_text(a.text) == normalize_contribution_text(b.text) &&
         trim(a.author) == trim(b.author) && (a.kind != "confirm" || a.value_hash == b.value_hash);
}

std::string top_field(const std::string& field) { return field.substr(0, field.find('[')); }

/// Refuses a contribution recorded already at the base commit or on a contribution branch, and
/// notes the pending contributions to the same field.
void look_for_others(const git::Repository& repo, const ContributeOptions& o,
                     const std::string& prefix, ContributeResult& res) {
  const Record& mine = res.contribution.record;
  for (const Record& r : records_at(repo, res.base_commit, prefix, mine.pid)) {
    if (!same_contribution(r, mine)) continue;
    std::string base = !o.base.empty()               ? o.base
                       : !repo.head_branch().empty() ? repo.head_branch()
                                                     : "HEAD";
    res.already_recorded =
        RequestProblem{"record",
                       "this contribution is already recorded as " + quote(r.file, 200) + " on " +
                           quote(base, 200),
                       "'persona history " + mine.pid +
                           (mine.field.empty() ? "" : " --field " + mine.field) + "' shows it"};
    return;
  }
  auto pending = pending_records(repo, res.base_commit, prefix, mine.pid, o.branch_prefix);
  for (const auto& p : pending) {
    if (!same_contribution(p.record, mine)) continue;
    res.already_recorded = RequestProblem{
        "record",
        "this contribution is already recorded as " + quote(p.record.file, 200) + " on branch " +
            quote(p.branches.front(), 200),
        "'persona history " + mine.pid + " --pending' lists the contributions not merged yet"};
    return;
  }
  if (mine.field.empty()) return;
  std::string field = top_field(mine.field);
  std::size_t related = 0;
  for (const auto& p : pending) {
    if (p.record.field.empty() || top_field(p.record.field) != field) continue;
    if (++related <= 3)
      res.notes.push_back(quote(field) + " has a pending contribution on branch " +
                          quote(p.branches.front(), 200) + ": " + p.record.kind + " " +
                          p.record.field + " by " + p.record.author);
  }
  if (related > 3) res.notes.push_back("and " + std::to_string(related - 3) + " more");
  if (related)
    res.notes_hint = "'persona history " + mine.pid + " --pending --field " + field +
                     "' lists the pending contributions";
}

/// The base commit: --base's, else HEAD's. When the request has problems already, one that
/// does not resolve is one more (and an unborn HEAD leaves the pid unchecked): nullopt.
std::optional<std::string> base_commit(const git::Repository& repo, const ContributeOptions& o,
                                       std::vector<RequestProblem>& problems) {
  if (o.base.empty()) {
    if (!problems.empty() && repo.head_unborn()) return std::nullopt;
    return repo.head_commit();
  }
  auto b = repo.try_resolve_commit(o.base);
  if (b) return b;
  std::string what = "the base " + quote(o.base) + " does not resolve to a commit";
  std::string hint = "'git branch -a' lists the branches; any revision git understands works";
  if (problems.empty()) throw io_error(what, hint);
  problems.push_back({"base", what, hint});
  return std::nullopt;
}

/// Every problem of the request: on its own (check_request), the pid at the base commit, and the
/// field path in that persona. Fills res.base_commit; returns the persona found.
PersonaAt request_problems(const git::Repository& repo, const ContributeOptions& o,
                           const std::string& prefix, ContributeResult& res) {
  Contribution& c = res.contribution;
  const ContributionRequest& req = o.request;
  c.problems = check_request(req, o.require_note);
  auto base = base_commit(repo, o, c.problems);
  if (!base) return {};
  res.base_commit = *base;
  if (trim(req.pid).empty()) return {};
  PersonaAt at = find_persona_at(repo, res.base_commit, prefix, req.pid, o.cache_dir);
  if (at.path.empty()) {
    std::string hint = did_you_mean(req.pid, at.pids);
    c.problems.insert(c.problems.begin(),
                      {"pid",
                       "unknown persona " + quote(req.pid) + " at the base commit " +
                           quote(res.base_commit.substr(0, 12)),
                       hint.empty() ? "'persona list' shows every pid" : hint});
    return at;
  }
  bool field_checked = std::none_of(c.problems.begin(), c.problems.end(), [](const auto& p) {
    return p.key == "kind" || p.key == "field";
  });
  if (!c.problems.empty() && field_checked)
    for (auto& p : check_request_fit(at.path, at.text, req, *o.persona_schema))
      c.problems.push_back(std::move(p));
  return at;
}

}  // namespace

ContributeResult contribute(const ContributeOptions& o) {
  ContributeResult res;
  Contribution& c = res.contribution;
  // The command layer has checked that the library is in a repository git trusts, with a
  // working tree (cli Runtime::check, kNeedRepository).
  git::Repository repo = git::Repository::discover(o.library_root);
  std::string prefix = repo.path_in_repo(o.library_root);
  auto in_repo = [&](const std::string& rel) { return prefix.empty() ? rel : prefix + "/" + rel; };

  PersonaAt at = request_problems(repo, o, prefix, res);
  if (!c.problems.empty()) return res;
  if (o.problems_only) {
    // What make_contribution() refuses about the request itself (the text is the value already);
    // its verdict on the persona is not asked for.
    ContributionRequest req = o.request;
    if (trim(req.author).empty()) req.author = "persona";
    c.problems = make_contribution(at.path, at.text, req, o.now, *o.persona_schema).problems;
    return res;
  }

  Identity id = resolve_identity(repo, o);
  ContributionRequest req = o.request;
  req.author = id.display;
  c = make_contribution(at.path, at.text, req, o.now, *o.persona_schema);
  if (!c.ok()) return res;

  if (!repo.head_unborn() && res.base_commit == repo.head_commit() &&
      git::has_uncommitted_changes(repo, in_repo(c.persona_path)))
    res.warnings.push_back(in_repo(c.persona_path) +
                           " has uncommitted changes; the contribution is made against the "
                           "committed version");
  look_for_others(repo, o, prefix, res);
  if (res.already_recorded) return res;

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
