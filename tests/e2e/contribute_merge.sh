#!/usr/bin/env bash
# The merge properties of contributions, with the real `git merge`: confirmations and comments on
# separate branches from the same base merge cleanly; two corrections of the same field conflict;
# after a correction, earlier confirmations belong to the previous value (history and the
# figures compute_activity gives, which `history --format json` reports).
#   bash tests/e2e/contribute_merge.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

new_library "$work/lib"
cd "$work/lib"
file=personas/segment/segment-data-architect.yaml

# contribute AT ARGS...: a contribution at time AT (record and commit); prints the branch.
contribute() {
  local at=$1
  shift
  local epoch
  epoch=$(date -u -d "$at" +%s)
  PERSONA_NOW=$at GIT_AUTHOR_DATE="@$epoch +0000" GIT_COMMITTER_DATE="@$epoch +0000" \
    run_persona contribute "$@"
  [[ $code == 0 ]] || bad "contribute $* failed ($code)" "$err"
  branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
}

# merge BRANCH: merges into the current branch as the maintainer; sets $merge_code.
merge() {
  set +e
  tgit merge -q --no-edit "$1" >"$work/merge.out" 2>&1
  merge_code=$?
  set -e
}

# ---- two confirmations and two comments on separate branches from the same base ------------------
contribute 2026-11-20T09:00:00Z APP-153 --confirm aha_moment --note "Data engineer, 3 years on Segment"
confirm_ada=$branch
contribute 2026-11-20T09:05:00Z APP-153 --confirm aha_moment --author "Grace Hopper"
confirm_grace=$branch
contribute 2026-11-20T09:10:00Z APP-153 --comment --text "Spot on for mid-size B2B teams."
comment_ada=$branch
contribute 2026-11-20T09:15:00Z APP-153 --comment --field identity --text "Also analytics engineers." --author "Grace Hopper"
comment_grace=$branch
# Grace confirms goals[2] before anyone corrects it.
contribute 2026-11-20T09:20:00Z APP-153 --confirm 'goals[2]' --author "Grace Hopper"
confirm_goal=$branch
# Two people correct goals[2] differently, from the same base.
contribute 2026-11-21T10:00:00Z APP-153 --correct 'goals[2]' --text "Block or repair malformed events before they reach the warehouse"
correct_ada=$branch
contribute 2026-11-21T11:00:00Z APP-153 --correct 'goals[2]' --text "Stop malformed events at the source" --author "Grace Hopper"
correct_grace=$branch
old_goal=$(value_of APP-153 'goals[2]')

for b in "$confirm_ada" "$confirm_grace" "$comment_ada" "$comment_grace" "$confirm_goal"; do
  merge "$b"
  expect "merge $b: clean" "$merge_code $(git diff --name-only --diff-filter=U)" "0 "
done
expect "five records after the clean merges" "$(git ls-files contributions | wc -l)" 5

merge "$correct_ada"
expect "the first correction merges" "$merge_code" 0
merge "$correct_grace"
expect "a second correction of the same field conflicts" "$merge_code $(git diff --name-only --diff-filter=U)" "1 $file"
tgit merge --abort
expect "after the abort the tree is clean" "$(git status --porcelain)" ""

# A confirmation of the corrected value, made on the new main.
contribute 2026-11-22T08:00:00Z APP-153 --confirm 'goals[2]' --author "Alan Turing"
merge "$branch"
expect "the new confirmation merges" "$merge_code" 0

run_persona validate
expect "the merged library validates" "$code" 0

# ---- history: earlier confirmations belong to the previous value ---------------------------------
correct_id=$(git show "$correct_ada" --format= --name-only | grep '^contributions' | sed 's/.*-\([0-9a-f]*\)\.yaml/\1/')
run_persona history APP-153 --field 'goals[2]'
goal_confirm_commit=$(git rev-parse --short=12 "$confirm_goal")
correct_commit=$(git rev-parse --short=12 "$correct_ada")
alan_commit=$(git rev-parse --short=12 "$branch")
expect_run "history of goals[2]" 0 "APP-153 The Segment Data Architect
3 contributions from 3 contributors, 2026-11-20T09:20:00Z to 2026-11-22T08:00:00Z

goals[2]
  confirmations: 1 of the current value, 1 of earlier values
  corrections: 1, extensions: 0, comments: 0
  contributors: 3 (Ada Lovelace, Alan Turing, Grace Hopper)
  first: 2026-11-20T09:20:00Z, last: 2026-11-22T08:00:00Z
  2026-11-20T09:20:00Z  confirm  goals[2]  Grace Hopper  (an earlier value, replaced by $correct_id)
    commit $goal_confirm_commit Confirm goals[2] of APP-153 (The Segment Data Architect)
  2026-11-21T10:00:00Z  correct  goals[2]  Ada Lovelace
    commit $correct_commit Correct goals[2] of APP-153 (The Segment Data Architect)
    text: Block or repair malformed events before they reach the warehouse
  2026-11-22T08:00:00Z  confirm  goals[2]  Alan Turing  (current value)
    commit $alan_commit Confirm goals[2] of APP-153 (The Segment Data Architect)" ""

run_persona history APP-153 --format json
expect "history json: exit" "$code" 0
figures=$(printf '%s' "$out" | python3 -c '
import json, sys
h = json.load(sys.stdin)
print(h["total"], len(h["contributors"]), h["first_activity"], h["last_activity"])
for f in h["fields"]:
    c = f["contributions"]
    print(f["field"], f["confirmations"]["current"], f["confirmations"]["earlier"], f["corrections"],
          f["extensions"], f["comments"], len(f["contributors"]), [x["kind"] + ":" + x.get("value", "-") for x in c],
          all(x["commit"] for x in c))
print("comments", len(h["comments"]), h["comments"][0]["text"], bool(h["comments"][0]["commit"]))')
expect "history json: the figures" "$figures" "7 3 2026-11-20T09:00:00Z 2026-11-22T08:00:00Z
identity 0 0 0 0 1 1 ['comment:-'] True
goals 1 1 1 0 0 3 ['confirm:earlier', 'correct:-', 'confirm:current'] True
aha_moment 2 0 0 0 0 2 ['confirm:current', 'confirm:current'] True
comments 1 Spot on for mid-size B2B teams. True"
expect "the value the earlier confirmation confirmed is the replaced one" \
  "$(printf '%s' "$out" | python3 -c 'import json,sys; h=json.load(sys.stdin); print([c["value_hash"] for f in h["fields"] for c in f["contributions"] if c["kind"]=="confirm" and c.get("value")=="earlier"][0])')" \
  "$(printf '%s' "$old_goal" | git hash-object --stdin)"

git fsck --strict --no-progress >"$work/fsck" 2>&1 && ok || bad "git fsck --strict" "$(cat "$work/fsck")"
finish
