#!/usr/bin/env bash
# CONTRIBUTING.md's walk-through really works: its ```sh blocks run in order in a clone of a
# throwaway "fork" (a bare repository standing in for GitHub), with the built persona on PATH.
# Only the lines that need GitHub or build the tool are left out (cloning, building, `gh`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"

new_library "$work/template"
git clone -q --bare "$work/template" "$work/fork.git"
git clone -q "$work/fork.git" "$work/persona"

python3 - "$src/CONTRIBUTING.md" >"$work/walkthrough.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
skip = re.compile(r"^\s*(git clone |cd persona|scripts/persona |export PATH=|gh issue )")
for block in re.findall(r"```sh\n(.*?)```", text, re.S):
    for line in block.splitlines(keepends=True):
        if not skip.match(line):
            sys.stdout.write(line)
PY
expect "the walk-through's commands" "$(grep -c '' "$work/walkthrough.sh")" 10

cd "$work/persona"
set +e
PATH="$(dirname "$persona"):$PATH" bash -e "$work/walkthrough.sh" >"$work/walkthrough.out" 2>&1
code=$?
set -e
expect "the walk-through runs: exit code" "$code" 0
[[ $code -eq 0 ]] || cat "$work/walkthrough.out"
# It left one contribution on its own branch, pushed, and the check passed on it.
expect "the branch is pushed" "$(git -C "$work/fork.git" branch --list 'ada/*' --format='%(refname:short)')" "ada/segment-goals"
expect "one commit with the record and the persona" "$(git diff --name-only main ada/segment-goals | sed 's#/[^/]*\.yaml$##')" \
  "contributions/APP-153
personas/segment"
grep -q "files checked, no problems" "$work/walkthrough.out" && ok || bad "the check did not pass" "$(cat "$work/walkthrough.out")"

finish
