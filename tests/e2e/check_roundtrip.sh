#!/usr/bin/env bash
# The whole loop with the real tools: a contribution made from the repository's issue form
# (.github/ISSUE_TEMPLATE/contribution.yml, its body as GitHub renders it) or with
# `persona contribute` becomes a branch that `persona check --base` passes; two contributors who
# correct the same value get a stale correction on the second pull request; confirmations on
# separate branches merge cleanly and still pass (a confirmation Ada has pending already from the
# issue form would be refused as recorded already: the first one here is Katherine's).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"
py=/usr/bin/python3; [[ -x $py ]] || py=python3  # the form is read with PyYAML (yamllint brings it)
form=$src/.github/ISSUE_TEMPLATE/contribution.yml
export PERSONA_NOW=2026-11-28T12:00:00Z

new_library "$work/lib"
cd "$work/lib"
git config user.name "Ada Lovelace"
git config user.email "ada@example.org"

checked() {
  echo $(( $(find personas -name '*.yaml' | wc -l) + $(find contributions -name '*.yaml' 2>/dev/null | wc -l) + 1 ))
}

# issue_body KEY=VALUE...: the body GitHub writes for an issue opened with the form: each input's
# label as a '###' heading, then the answer ("_No response_" when left empty).
issue_body() {
  "$py" - "$form" "$@" <<'PY'
import sys, yaml
form = yaml.safe_load(open(sys.argv[1]))
answers = dict(a.split("=", 1) for a in sys.argv[2:])
parts = []
for item in form["body"]:
    if item["type"] == "markdown":
        continue
    value = answers.get(item["id"], "")
    parts.append("### %s\n\n%s" % (item["attributes"]["label"], value or "_No response_"))
print("\n\n".join(parts))
PY
}

# from_issue NAME KEY=VALUE...: applies an issue body; checks the branch it made.
from_issue() {
  local name=$1 branch
  shift
  issue_body "$@" >"$work/issue.md"
  git checkout -q main
  run_persona apply "$work/issue.md" --fallback-author octocat
  expect "$name: apply exit code" "$code" 0
  branch=$(sed -n 's/^branch: //p' <<<"$out")
  git checkout -q "$branch"
  run_persona check --base main --format github
  expect_run "$name: check" 0 "" "judged the change from $(short main) (merge base with 'main') to HEAD $(short HEAD): $files changed
$(checked) files checked, no problems"
}

files="2 files"
from_issue "issue form, correction" pid=APP-153 kind=correct "field=goals[2]" \
  "text=Block malformed events before they reach the warehouse." \
  "note=Data engineer at a 40-person SaaS, 3 years on Segment" "author=Ada Lovelace"
from_issue "issue form, extension of a text field" pid=APP-153 kind=extend field=identity \
  "text=They also run the weekly data-quality review." "note=I run that review"
from_issue "issue form, extension of a list" pid=APP-154 kind=extend field=frustrations \
  "text=Attribution breaks whenever a campaign link is shortened." "note=Growth lead"
files="1 file"
from_issue "issue form, confirmation" pid=APP-153 kind=confirm field=aha_moment "note=Exactly my week"
from_issue "issue form, comment" pid=APP-153 kind=comment "text=This is my team, down to the dashboards."

# --- two contributors correct the same value: the second pull request is stale -------------
git checkout -q main
PERSONA_NOW=2026-11-27T09:00:00Z run_persona contribute APP-153 --correct outcome \
  --text "Success is quiet: nobody asks where the numbers came from." --note "Analytics lead" \
  --author "Ada Lovelace" --branch first
PERSONA_NOW=2026-11-27T10:00:00Z run_persona contribute APP-153 --correct outcome \
  --text "Success is a tracking plan nobody has to ask about." --note "Data engineer" \
  --author "Grace Hopper" --branch second
git checkout -q second
second=$(git diff --name-only main second -- contributions)
run_persona check --base main
expect "before the first is merged, the second passes" "$code" 0
git checkout -q main
git merge -q --ff-only first
first=$(git diff --name-only HEAD~1 HEAD -- contributions)
git checkout -q second
run_persona check --base main --format github
expect_run "the second correction is stale" 1 \
"::error file=$second,line=$(grep -n '^value_hash:' "$second" | cut -d: -f1),col=1,title=persona stale-contribution::correction $(basename "$second" .yaml | cut -d- -f2) of 'outcome' is stale: 'main' changed that value after this branch started, in correction $(basename "$first" .yaml | cut -d- -f2) of 'outcome' by Ada Lovelace (2026-11-27T09:00:00Z, $first) (update the branch ('git rebase main') and make the correction again against the current value)" \
"judged the change from $(short "$(git merge-base main HEAD)") (merge base with 'main') to HEAD $(short HEAD): 2 files changed
1 error in 1 file ($(checked) files checked)"

# --- confirmations on separate branches merge without conflict and still pass ---------------
git checkout -q main
PERSONA_NOW=2026-11-27T11:00:00Z run_persona contribute APP-153 --confirm aha_moment --note "Yes" --author "Katherine Johnson" --branch c1
PERSONA_NOW=2026-11-27T12:00:00Z run_persona contribute APP-153 --confirm aha_moment --note "Me too" --author "Grace Hopper" --branch c2
git checkout -q c2
run_persona check --base main
expect "second confirmation on its own" "$code" 0
git checkout -q main
tgit merge -q --no-ff -m "Merge c1" c1
tgit merge -q --no-ff -m "Merge c2" c2
run_persona check
expect_run "both confirmations merged" 0 "" "$(checked) files checked, no problems"
run_persona stats --format json
expect "both confirmations count" "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); p=next(p for p in d["personas"] if p["pid"]=="APP-153"); print(next(f["confirmations"] for f in p["fields"] if f["field"]=="aha_moment"))')" 2

finish
