#!/usr/bin/env bash
# CONTRIBUTING.md's walk-through really works: its ```sh blocks run in order in a clone of a
# throwaway "fork" (a bare repository standing in for GitHub), with the built persona on PATH.
# Only the lines that need GitHub or build the tool are left out (cloning, building); `gh` is a
# stand-in that answers for issue 42 (a contribution issue, as GitHub renders the form) and
# records its calls.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"

new_library "$work/template"
# A library repository ships the script its contribution workflow runs.
mkdir "$work/template/scripts" && cp "$src/scripts/contribution-pr" "$work/template/scripts/"
(cd "$work/template" && git add scripts && tgit commit -q -m "The contribution workflow's script")
git clone -q --bare "$work/template" "$work/fork.git"
git clone -q "$work/fork.git" "$work/persona"

mkdir "$work/bin"
cat >"$work/bin/gh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "$*" >>"$GH_LOG"
case "$*" in
  "issue view 42 --json body --jq .body")
    printf '%s\r\n' "### Persona id" "" "APP-153" "" "### Kind of contribution" "" "comment" "" \
      "### Field" "" "identity" "" "### Text" "" "Also analytics engineers who own the dbt models." "" \
      "### Lived experience" "" "Analytics engineer, 2 years" "" "### Name to credit" "" "_No response_" ;;
  "issue view 42 --json author --jq .author.login") echo octocat ;;
  "pr list "*) echo "[]" ;;
  "pr create "*) echo "https://github.com/YOU/persona/pull/43" ;;
  *) echo "gh stand-in: unexpected call: $*" >&2; exit 1 ;;
esac
EOF
chmod +x "$work/bin/gh"
export GH_LOG=$work/gh.log

python3 - "$src/CONTRIBUTING.md" >"$work/walkthrough.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
skip = re.compile(r"^\s*(git clone |cd persona|scripts/persona |export PATH=)")
for block in re.findall(r"```sh\n(.*?)```", text, re.S):
    for line in block.splitlines(keepends=True):
        if not skip.match(line):
            sys.stdout.write(line)
PY
expect "the walk-through's commands" "$(grep -c '' "$work/walkthrough.sh")" 13

cd "$work/persona"
set +e
PATH="$work/bin:$(dirname "$persona"):$PATH" bash -e "$work/walkthrough.sh" >"$work/walkthrough.out" 2>&1
code=$?
set -e
expect "the walk-through runs: exit code" "$code" 0
[[ $code -eq 0 ]] || cat "$work/walkthrough.out"
# It left one contribution on its own branch, pushed, and the check passed on it.
expect "the branch is pushed" "$(git -C "$work/fork.git" branch --list 'ada/*' --format='%(refname:short)')" "ada/segment-goals"
expect "one commit with the record and the persona" "$(git diff --name-only main ada/segment-goals | sed 's#/[^/]*\.yaml$##')" \
  "contributions/APP-153
personas/segment"
# From the website: issue 42 became contrib/issue-42, one commit credited to the issue's author,
# and a pull request that closes the issue.
expect "issue 42: its branch is pushed, one commit, credited to its author" \
  "$(git -C "$work/fork.git" rev-list --count main..contrib/issue-42) $(git -C "$work/fork.git" log -1 --format=%an contrib/issue-42)" \
  "1 octocat"
expect "issue 42: gh opened the pull request" "$(cut -d' ' -f1-2 "$GH_LOG" | paste -sd, -)" \
  "issue view,issue view,pr list,pr create"
grep -q "^pr create --head contrib/issue-42 --base main " "$GH_LOG" && ok || bad "issue 42: pr create" "$(cat "$GH_LOG")"
grep -q "files checked, no problems" "$work/walkthrough.out" && ok || bad "the check did not pass" "$(cat "$work/walkthrough.out")"

finish
