#include "git/objects.h"

#include <algorithm>

#include "core/error.h"
#include "core/text.h"

namespace persona::git {

CommitPtr lookup_commit(git_repository* repo, const ObjectId& id) {
  git_oid oid = to_oid(id);
  git_commit* c = nullptr;
  check(git_commit_lookup(&c, repo, &oid), "cannot read commit " + quote(id));
  return CommitPtr(c);
}

TreePtr commit_tree(git_repository* repo, const ObjectId& commit) {
  CommitPtr c = lookup_commit(repo, commit);
  git_tree* t = nullptr;
  check(git_commit_tree(&t, c.get()), "cannot read the tree of commit " + quote(commit));
  return TreePtr(t);
}

TreePtr lookup_tree(git_repository* repo, const git_oid& oid) {
  git_tree* t = nullptr;
  check(git_tree_lookup(&t, repo, &oid), "cannot read tree " + quote(to_hex(oid)));
  return TreePtr(t);
}

TreeEntryPtr entry_bypath(git_tree* tree, std::string_view path) {
  git_tree_entry* e = nullptr;
  int rc = git_tree_entry_bypath(&e, tree, std::string(path).c_str());
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    return nullptr;
  }
  check(rc, "cannot look up " + quote(path, 200));
  return TreeEntryPtr(e);
}

Signature from_git(const git_signature* s) {
  Signature out;
  if (!s) return out;
  out.name = s->name ? s->name : "";
  out.email = s->email ? s->email : "";
  out.time = s->when.time;
  out.offset_minutes = s->when.offset;
  return out;
}

SignaturePtr to_git(const Signature& s, const char* role) {
  // libgit2 refuses angle brackets but writes a newline as it is, which splits the header and
  // lets the rest forge one; no control character goes into a commit's header.
  for (const std::string* part : {&s.name, &s.email}) {
    bool control = std::any_of(part->begin(), part->end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (control || part->find_first_of("<>") != std::string::npos)
      throw usage_error(std::string("the ") + role + (part == &s.name ? " name " : " email ") +
                            quote(*part) + " cannot go into a commit: it holds " +
                            (control ? "a line break or control character" : "'<' or '>'"),
                        "give it on one line, without control characters or angle brackets");
  }
  git_signature* sig = nullptr;
  check(git_signature_new(&sig, s.name.c_str(), s.email.c_str(), s.time, s.offset_minutes),
        std::string("invalid ") + role + " " + quote(s.name));
  return SignaturePtr(sig);
}

}  // namespace persona::git
