#!/usr/bin/env bash
# Helpers for the contribute / apply / history end-to-end suites, sourced by them after
# tests/e2e/lib.sh:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"; suite_start "$@"
#   source "$src/tests/e2e/contribute_helpers.sh"
# Run on its own (ctest: bash contribute_helpers.sh PERSONA SRC) it checks the helpers themselves.
#
# Everything happens under a throwaway $work: HOME (so git and libgit2 read only our
# ~/.gitconfig: user.name "Ada Lovelace", user.email ada@example.org), and the repositories.
# The `git` command line commits as "Test Maintainer" with a clock that advances one minute per
# commit (tgit); persona runs with PERSONA_NOW and GIT_AUTHOR_DATE / GIT_COMMITTER_DATE fixed, so
# every commit id is reproducible.

# Run directly (the self-test), it starts the suite itself.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
  suite_start "$@"
fi

export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_DIR GIT_WORK_TREE
unset EDITOR VISUAL GIT_EDITOR
# GIT_OPTIONAL_LOCKS=0: our own `git status` must not refresh (rewrite) the index we watch.
export NO_COLOR=1 TZ=UTC LC_ALL=C GIT_OPTIONAL_LOCKS=0
git config --global user.name "Ada Lovelace"
git config --global user.email ada@example.org
git config --global init.defaultBranch main

# Fixed times for persona: the record (PERSONA_NOW) and the commit (git's variables).
export PERSONA_NOW=2026-11-28T17:30:00Z
export GIT_AUTHOR_DATE="@1795887000 +0000" GIT_COMMITTER_DATE="@1795887000 +0000"
git_clock=1793527200  # 2026-11-01T10:00:00Z, for the git command line


# tgit ARGS...: git as the maintainer, each call one minute later than the last.
tgit() {
  git_clock=$((git_clock + 60))
  GIT_AUTHOR_NAME="Test Maintainer" GIT_AUTHOR_EMAIL="maintainer@example.org" \
    GIT_COMMITTER_NAME="Test Maintainer" GIT_COMMITTER_EMAIL="maintainer@example.org" \
    GIT_AUTHOR_DATE="@$git_clock +0000" GIT_COMMITTER_DATE="@$git_clock +0000" git "$@"
}

# snapshot: everything a failed or dry run must leave as it was, in the current repository:
# refs, HEAD, reflogs, the index, the object count, git status, and every working-tree byte.
snapshot() {
  {
    git for-each-ref --format='%(refname) %(objectname)'
    cat .git/HEAD
    find .git/logs -type f -exec sha1sum {} + 2>/dev/null | sort || true
    sha1sum .git/index 2>/dev/null || echo "no index"
    find .git/objects -type f | sort | sha1sum
    git status --porcelain=v1 --untracked-files=all
    find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha1sum
  }
}

# value_of PID FIELD: a field's canonical value (what value_hash hashes), read with PyYAML from
# the working tree, independently of persona.
value_of() {
  python3 - "$1" "$2" <<'EOF'
import glob, re, sys, yaml
pid, field = sys.argv[1], sys.argv[2]
for f in sorted(glob.glob("personas/*/*.yaml")):
    try:
        d = yaml.load(open(f, encoding="utf-8"), Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        continue
    if not isinstance(d, dict) or d.get("pid") != pid:
        continue
    m = re.fullmatch(r"([a-z_]+)(?:\[(\d+)\])?", field)
    v = d[m.group(1)]
    if m.group(2):
        v = v[int(m.group(2)) - 1]
    elif isinstance(v, list):
        v = "\n".join(v)
    sys.stdout.write(v)
    break
EOF
}

# value_hash PID FIELD: git's blob id of that value.
value_hash() { value_of "$1" "$2" | git hash-object --stdin; }

# record_id [FILE]: the id a record must have, computed from its content as the README says
# (first 12 hex digits of the git blob id of "pid ..\nkind ..\n..."), independently of persona.
record_id() {
  python3 -c '
import sys, yaml, hashlib
d = yaml.load(sys.stdin.read(), Loader=yaml.BaseLoader)
c = "".join(k + " " + str(d.get(k, "")) + "\n" for k in ["pid", "kind", "field", "time", "author", "value_hash", "text", "note"])
b = c.encode()
print(hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()[:12])' <"${1:-/dev/stdin}"
}

# Self-test when run directly.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  new_library "$work/lib"
  cd "$work/lib"
  expect "the library is committed by the maintainer" "$(git log -1 --format='%an <%ae> %at')" \
    "Test Maintainer <maintainer@example.org> 1793527260"
  before=$(snapshot)
  expect "a snapshot is stable" "$(snapshot)" "$before"
  echo x >>library.yaml
  [[ "$(snapshot)" != "$before" ]] && ok || bad "a snapshot sees a changed byte"
  git checkout -q library.yaml
  expect "value_hash of a list item" "$(value_hash APP-153 'goals[1]')" \
    "$(printf '%s' 'Keep a single tracking plan that is the contract between product engineers and data consumers' | git hash-object --stdin)"
  rec=$'id: x\npid: APP-153\nkind: comment\ntext: Hi.\nauthor: Ada\ntime: 2026-11-28T17:30:00Z\n'
  expect "record_id follows the spec" "$(printf '%s' "$rec" | record_id)" \
    "$(printf 'pid APP-153\nkind comment\nfield \ntime 2026-11-28T17:30:00Z\nauthor Ada\nvalue_hash \ntext Hi.\nnote \n' | git hash-object --stdin | cut -c1-12)"
  run_persona --version
  expect "the binary runs" "$code" 0
  finish
fi
