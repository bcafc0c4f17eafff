#!/usr/bin/env bash
# Issue to pull request, without a maintainer typing: .github/workflows/contribution.yml's shell
# steps (all but installing packages and building) run as the runner runs them, with the event's
# ${{ }} values given to their env: as GitHub gives them, the built persona in place of
# build/persona, a local bare repository as GitHub's and a stand-in `gh` on PATH that records its
# calls. They run scripts/contribution-pr, which is also run directly and checked by shellcheck.
#   bash tests/e2e/issue_to_pr.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"  # git's user.name here is "Ada Lovelace": the maintainer
unset PERSONA_NOW                              # each run records its own time, as in CI
py=/usr/bin/python3; [[ -x $py ]] || py=python3  # PyYAML comes with yamllint
workflow=$src/.github/workflows/contribution.yml
script=$src/scripts/contribution-pr

# ---- the script is shellcheck-clean ---------------------------------------------------------------
if command -v shellcheck >/dev/null; then
  shellcheck "$script" >"$work/shellcheck" 2>&1 && ok || bad "shellcheck scripts/contribution-pr" "$(cat "$work/shellcheck")"
else
  bad "shellcheck is not installed (scripts/deps --test installs it)"
fi

# ---- the workflow: least privilege, the issue's text never in a command ----------------------------
expect "workflow structure" "$("$py" - "$workflow" <<'PY'
import re, sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
on = w[True] if True in w else w["on"]  # YAML 1.1 reads the key 'on' as true
print(sorted(on), sorted(on["issues"]["types"]))
print(w["permissions"])
job = w["jobs"]["pull-request"]
print("job permissions", job.get("permissions"), "label checked", "'contribution'" in job["if"])
for name, j in w["jobs"].items():
    for step in j["steps"]:
        run = step.get("run", "")
        if "${{" in run:
            print("an expression in a command:", step.get("name"), re.findall(r"\$\{\{.*?\}\}", run))
        for k, v in (step.get("env") or {}).items():
            if "github.event.issue.body" in str(v) or "github.event.issue.title" in str(v):
                print("env", k, "=", v)
runs = [s.get("run", "") for s in job["steps"]]
print("runs the script", any(re.search(r"^\s*scripts/contribution-pr ", r, re.M) for r in runs))
PY
)" "['issues'] ['edited', 'opened']
{'contents': 'write', 'pull-requests': 'write', 'issues': 'write'}
job permissions None label checked True
env BODY = \${{ github.event.issue.body }}
runs the script True"

# ---- GitHub, played locally ------------------------------------------------------------------------
new_library "$work/template"
git clone -q --bare "$work/template" "$work/github.git"
git clone -q "$work/github.git" "$work/ci"

# The stand-in gh: one line per call, its arguments tab-separated, a --body-file's path replaced
# by BODY and the file's text appended to $GH_LOG.bodies. `pr list` answers [] until a
# `pr create`, then the pull request (number 12).
mkdir -p "$work/bin"
cat >"$work/bin/gh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
line="" prev=""
for a in "$@"; do
  if [[ $prev == --body-file ]]; then
    { echo "--- $1 $2 $3"; cat -- "$a"; } >>"$GH_LOG.bodies"
    a=BODY
  fi
  line+="${line:+$'\t'}$a" prev=$a
done
printf '%s\n' "$line" >>"$GH_LOG"
case "$1 $2" in
  "pr list") if [[ -f $GH_LOG.pr ]]; then echo '[{"number":12}]'; else echo '[]'; fi ;;
  "pr create") touch "$GH_LOG.pr"; echo "https://github.com/example/library/pull/12" ;;
esac
EOF
chmod +x "$work/bin/gh"
export GH_LOG=$work/gh.log
: >"$GH_LOG"
export PATH="$work/bin:$PATH"

# run_workflow DIR BODY_FILE ISSUE LOGIN: the job's shell steps in DIR (a clone at the default
# branch, as actions/checkout leaves it), the event's values in their env:. Sets $code, $out.
run_workflow() {
  "$py" - "$workflow" "$2" "$3" "$4" >"$work/steps.sh" <<'PY'
import re, shlex, sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
ctx = {
    "github.event.issue.body": open(sys.argv[2], newline="").read(),
    "github.event.issue.number": sys.argv[3],
    "github.event.issue.user.login": sys.argv[4],
    "github.event.repository.default_branch": "main",
    "github.repository": "example/library",
    "github.token": "not-a-token",
}
def value(v):
    m = re.fullmatch(r"\$\{\{\s*(.*?)\s*\}\}", str(v))
    return ctx[m.group(1)] if m else str(v)
for step in w["jobs"]["pull-request"]["steps"]:
    run = step.get("run")
    if not run or "apt-get" in run or "scripts/deps" in run or "ninja" in run:
        continue
    env = " ".join("%s=%s" % (k, shlex.quote(value(v))) for k, v in (step.get("env") or {}).items())
    print("env %s bash --noprofile --norc -eo pipefail -c %s" % (env, shlex.quote(run)))
PY
  sed -i "s#build/persona#$persona#g; s#scripts/contribution-pr#$script#g" "$work/steps.sh"
  mkdir -p "$work/runner-temp"
  set +e
  out=$(cd "$1" && GITHUB_WORKSPACE=$1 RUNNER_TEMP=$work/runner-temp bash -e "$work/steps.sh" 2>&1)
  code=$?
  set -e
}

# issue_body PID KIND FIELD TEXT NOTE NAME: the body exactly as GitHub renders the form (CRLF,
# "_No response_" for an empty answer).
issue_body() {
  local labels=("Persona id" "Kind of contribution" "Field" "Text" "Lived experience" "Name to credit")
  local i v
  for i in "${!labels[@]}"; do
    v=${*:i+1:1}
    ((i == 0)) || printf '\r\n'
    printf '### %s\r\n\r\n%s\r\n' "${labels[i]}" "${v:-_No response_}"
  done
}
gh_calls() { cut -f1-2 "$GH_LOG" | tr '\t' ' ' | paste -sd, -; }
commits_on() { git -C "$work/github.git" rev-list --count "main..$1" 2>/dev/null || echo none; }

# ---- 1. a good issue, opened: a branch, one commit crediting the issue's author, one pull request --
issue_body APP-153 extend goals "Keep the tracking plan in version control next to the code" \
  "Data engineer at a 40-person SaaS, 3 years on Segment" "" >"$work/body1.md"
run_workflow "$work/ci" "$work/body1.md" 7 octocat
expect "opened: exit code" "$code" 0
[[ $code -eq 0 ]] || printf '%s\n' "$out"
expect "opened: one commit on contrib/issue-7" "$(commits_on contrib/issue-7)" 1
expect "opened: the commit's author is the issue's author, never the maintainer" \
  "$(git -C "$work/github.git" log -1 --format='%an <%ae> / %cn' contrib/issue-7)" \
  "octocat <octocat@users.noreply.persona> / github-actions[bot]"
expect "opened: the record credits the issue's author" \
  "$(git -C "$work/github.git" show contrib/issue-7 --format= -- contributions | grep -c '^+author: octocat$')" 1
expect "opened: the persona gains the item" \
  "$(git -C "$work/github.git" show contrib/issue-7 --format= -- personas | grep '^+ ')" \
  "+  - Keep the tracking plan in version control next to the code"
expect "opened: gh calls" "$(cat "$GH_LOG")" "pr	list	--head	contrib/issue-7	--state	open	--json	number
pr	create	--head	contrib/issue-7	--base	main	--title	Extend goals of APP-153 (The Segment Data Architect)	--body-file	BODY"
expect "opened: the pull request closes the issue" "$(sed -n '2p' "$GH_LOG.bodies")" "Closes #7"
first=$(git -C "$work/github.git" rev-parse contrib/issue-7 2>/dev/null || echo none)

# ---- 2. the same issue, edited: the same branch replaced, the same pull request updated --------------
issue_body APP-153 extend goals "Keep the tracking plan in git beside the code it describes" \
  "Data engineer at a 40-person SaaS, 3 years on Segment" "" >"$work/body2.md"
rm -rf "$work/ci"  # every run is a fresh checkout
git clone -q "$work/github.git" "$work/ci"
: >"$GH_LOG" && : >"$GH_LOG.bodies"
run_workflow "$work/ci" "$work/body2.md" 7 octocat
expect "edited: exit code" "$code" 0
[[ $code -eq 0 ]] || printf '%s\n' "$out"
[[ $(git -C "$work/github.git" rev-parse contrib/issue-7) != "$first" ]] && ok || bad "edited: the branch was not updated"
expect "edited: still one commit, with the new text" "$(commits_on contrib/issue-7) $(git -C "$work/github.git" show contrib/issue-7 --format= -- personas | grep '^+ ')" \
  "1 +  - Keep the tracking plan in git beside the code it describes"
expect "edited: the pull request is updated, no second one" "$(gh_calls)" "pr list,pr edit"
expect "edited: gh pr edit names the pull request" "$(sed -n '2p' "$GH_LOG" | cut -f3)" 12
expect "edited: the pull request still closes the issue" "$(sed -n '2p' "$GH_LOG.bodies")" "Closes #7"
expect "edited: one branch for the issue" "$(git -C "$work/github.git" branch --list 'contrib/*' --format='%(refname:short)')" "contrib/issue-7"

# Edited again, by hand in the clone that has the local branch from the last run: made again from
# the base, pushed over what the remote has.
check_that "edited again: the clone has the branch" git -C "$work/ci" show-ref --verify --quiet refs/heads/contrib/issue-7
issue_body APP-153 comment goals "This matches our team exactly." "" "Grace Hopper" >"$work/body3.md"
: >"$GH_LOG"
set +e
out=$(cd "$work/ci" && "$script" --persona "$persona" 7 octocat "$work/body3.md" 2>&1)
code=$?
set -e
expect "edited again: exit code" "$code" 0
[[ $code -eq 0 ]] || printf '%s\n' "$out"
expect "edited again: one commit, crediting the form's name" \
  "$(commits_on contrib/issue-7) $(git -C "$work/github.git" log -1 --format=%an contrib/issue-7)" "1 Grace Hopper"
expect "edited again: no second pull request" "$(gh_calls)" "pr list,pr edit"

# ---- 3. a bad request: one comment with every problem and its fix, nothing pushed, non-zero ------------
issue_body APP-153 correct "goals[2]" "" "Write to ada@example.org" "bob@example.org" >"$work/bad.md"
: >"$GH_LOG" && : >"$GH_LOG.bodies"
before=$(git -C "$work/github.git" for-each-ref)
run_workflow "$work/ci" "$work/bad.md" 8 octocat
expect "bad: exit code" "$code" 1
expect "bad: one comment on the issue, nothing else" "$(cat "$GH_LOG")" "issue	comment	8	--body-file	BODY"
expect "bad: the comment lists every problem and its fix" "$(grep -E ': error: |hint: ' "$GH_LOG.bodies")" \
  "issue-8.md:15:1: error: a contribution of kind 'correct' needs a text [request-text]
  hint: the text is the new value
issue-8.md:19:1: error: the note contains an email address [request-note]
  hint: contributions are published: use a display name and no email addresses
issue-8.md:23:1: error: the author contains an email address [request-author]
  hint: contributions are published: use a display name and no email addresses
persona: error: the request 'issue-8.md' has problems; nothing was written"
expect "bad: the problems are in a fenced block, without colour" \
  "$(grep -c $'^```text$' "$GH_LOG.bodies") $(grep -c $'\e' "$GH_LOG.bodies" || true)" "1 0"
expect "bad: nothing pushed" "$(git -C "$work/github.git" for-each-ref)" "$before"

# An issue that reads but names a pid the library does not have: commented on too.
issue_body APP-1533 confirm identity "" "" "" >"$work/bad2.md"
: >"$GH_LOG" && : >"$GH_LOG.bodies"
run_workflow "$work/ci" "$work/bad2.md" 9 octocat
expect "unknown pid: exit code and gh calls" "$code $(gh_calls)" "1 issue comment"
grep -q "unknown persona 'APP-1533'" "$GH_LOG.bodies" && ok || bad "unknown pid: the comment names it" "$(cat "$GH_LOG.bodies")"
expect "unknown pid: no branch" "$(commits_on contrib/issue-9)" none

# ---- 4. a hostile issue is data, never run ---------------------------------------------------------
hostile="\$(touch $work/pwned1) \`touch $work/pwned2\` \"; touch $work/pwned3; echo \" '; touch $work/pwned4; echo '"
issue_body APP-153 comment "" "Careful with shells: $hostile." "Ops engineer, ran \$(touch $work/pwned5) once" "" >"$work/hostile.md"
printf '\r\n### Code of conduct\r\n\r\n```\r\n$(touch %s/pwned6)\r\n```\r\n' "$work" >>"$work/hostile.md"
: >"$GH_LOG"
run_workflow "$work/ci" "$work/hostile.md" 10 octocat
expect "hostile: exit code" "$code" 0
[[ $code -eq 0 ]] || printf '%s\n' "$out"
expect "hostile: nothing it holds was run" "$(ls "$work" | grep pwned || true)" ""
expect "hostile: the text is recorded as written" \
  "$(git -C "$work/github.git" log -1 --format=%B contrib/issue-10 | grep -c -F -- "Careful with shells: $hostile.")" 1
# A hostile request that does not read is commented on, still never run.
issue_body APP-153 "\$(touch $work/pwned7)" "\`touch $work/pwned8\`" "" "" "" >"$work/hostile2.md"
run_workflow "$work/ci" "$work/hostile2.md" 11 octocat
expect "hostile and bad: exit code" "$code" 1
expect "hostile and bad: nothing it holds was run" "$(ls "$work" | grep pwned || true)" ""

# ---- the script's own usage errors -----------------------------------------------------------------
set +e
out=$(cd "$work/ci" && "$script" --persona "$persona" 'x; touch pwned' octocat "$work/body1.md" 2>&1)
code=$?
set -e
expect "usage: not a number" "$code $out" "2 contribution-pr: error: the issue number 'x; touch pwned' is not a number"
set +e
out=$(cd "$work/ci" && "$script" --persona "$persona" 7 octocat 2>&1)
code=$?
set -e
expect "usage: missing argument" "$code $out" \
  "2 usage: scripts/contribution-pr [--persona PATH] [--base BRANCH] [--remote NAME] ISSUE LOGIN BODY_FILE"

finish
