#!/usr/bin/env bash
# `contribute` and `apply`, as careful as git: every problem of a request in one run (an unknown
# pid or field exits 2 in both), a contribution already recorded refused (merged or on a branch),
# a warning when the persona has uncommitted edits, a note when another branch has a pending
# contribution to the same field; `history --pending` and `history --rev`.
#   bash tests/e2e/contribute_careful.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

new_library "$work/lib"
cd "$work/lib"
file=personas/segment/segment-data-architect.yaml
head12=$(git rev-parse --short=12 HEAD)

# ---- apply: every problem in one run, exit 2 as contribute -------------------------------------
printf 'pid: APP-1533\nconfirm: identty\nauthr: Ada\n' >"$work/r1.yaml"
before=$(snapshot)
run_persona apply "$work/r1.yaml"
expect_run "apply: unknown pid, field and key at once" 2 "" "$work/r1.yaml:1:6: error: unknown persona 'APP-1533' at the base commit '$head12' [request-pid]
 1 | pid: APP-1533
   |      ^
  hint: did you mean 'APP-153'?
$work/r1.yaml:2:10: error: unknown field 'identty'; did you mean 'identity'? [request-field]
 2 | confirm: identty
   |          ^
  hint: 'persona show PID --fields' lists the field paths
$work/r1.yaml:3:1: error: unknown key 'authr' [request-key]
 3 | authr: Ada
   | ^
  hint: did you mean 'author'?
persona: error: the request '$work/r1.yaml' has problems; nothing was written"
expect "apply, three problems: nothing changed" "$(snapshot)" "$before"

printf 'pid: APP-153\ncorrect: goals[9]\n' >"$work/r2.yaml"
run_persona apply "$work/r2.yaml"
expect_run "apply: an item out of range and no text" 2 "" "$work/r2.yaml: error: a contribution of kind 'correct' needs a text [request-text]
  hint: the text is the new value
$work/r2.yaml:2:10: error: 'goals[9]' does not exist: 'APP-153''s 'goals' has 5 items [request-field]
 2 | correct: goals[9]
   |          ^
  hint: 'persona show APP-153 --fields' lists the field paths
persona: error: the request '$work/r2.yaml' has problems; nothing was written"

printf 'pid: APP-153\ncorrect: goals[2]\nbase: nope\n' >"$work/r3.yaml"
run_persona apply "$work/r3.yaml"
expect_run "apply: no text and a base that does not resolve" 2 "" "$work/r3.yaml: error: a contribution of kind 'correct' needs a text [request-text]
  hint: the text is the new value
$work/r3.yaml:3:7: error: the base 'nope' does not resolve to a commit [request-base]
 3 | base: nope
   |       ^
  hint: 'git branch -a' lists the branches; any revision git understands works
persona: error: the request '$work/r3.yaml' has problems; nothing was written"

run_persona contribute APP-1533 --correct 'goals[2]' --text ""
expect_run "contribute: unknown pid and no text" 2 "" "persona: error: unknown persona 'APP-1533' at the base commit '$head12'
hint: did you mean 'APP-153'?
persona: error: --text: a contribution of kind 'correct' needs a text
hint: the text is the new value"

# ---- already recorded: on a branch, then merged ----------------------------------------------
run_persona contribute APP-153 --confirm identity --note "Data engineer"
first_branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
first_record=$(printf '%s\n' "$out" | sed -n 's/^wrote: //p')
expect "the first confirmation: exit" "$code" 0
before=$(snapshot)
PERSONA_NOW=2026-11-29T10:00:00Z run_persona contribute APP-153 --confirm identity --note "Another note"
expect_run "the same confirmation, pending on a branch" 1 "" "persona: error: this contribution is already recorded as '$first_record' on branch '$first_branch'
hint: 'persona history APP-153 --pending' lists the contributions not merged yet"
expect "refused: nothing changed" "$(snapshot)" "$before"
printf 'pid: APP-153\nconfirm: identity\n' >"$work/dup.yaml"
PERSONA_NOW=2026-11-29T10:00:00Z run_persona apply "$work/dup.yaml"
expect_run "apply: the same confirmation" 1 "" "persona: error: this contribution is already recorded as '$first_record' on branch '$first_branch'
hint: 'persona history APP-153 --pending' lists the contributions not merged yet"
PERSONA_NOW=2026-11-29T10:00:00Z run_persona contribute APP-153 --confirm identity --author "Grace Hopper" --dry-run
expect "another author's confirmation is not a duplicate" "$code" 0

# On a remote-tracking branch only.
git init -q --bare "$work/remote.git" && git remote add origin "$work/remote.git"
git push -q origin "$first_branch" && git fetch -q origin && git branch -q -D "$first_branch"
PERSONA_NOW=2026-11-29T10:00:00Z run_persona contribute APP-153 --confirm identity
expect_run "on a remote-tracking branch" 1 "" "persona: error: this contribution is already recorded as '$first_record' on branch 'origin/$first_branch'
hint: 'persona history APP-153 --pending' lists the contributions not merged yet"

# Merged.
tgit merge -q --no-edit "origin/$first_branch"
PERSONA_NOW=2026-11-29T10:00:00Z run_persona contribute APP-153 --confirm identity
expect_run "merged" 1 "" "persona: error: this contribution is already recorded as '$first_record' on 'main'
hint: 'persona history APP-153 --field identity' shows it"
# An extension with the same text (blank lines and trailing blanks aside) is one too.
run_persona contribute APP-153 --extend frustrations --text "Replay costs extra."
ext=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
PERSONA_NOW=2026-11-29T10:00:00Z run_persona contribute APP-153 --extend frustrations --text $'\nReplay costs extra.  \n'
expect_run "the same extension" 1 "" "persona: error: this contribution is already recorded as '$(git diff-tree -r --name-only main "$ext" | grep contributions/)' on branch '$ext'
hint: 'persona history APP-153 --pending' lists the contributions not merged yet"
# A branch outside the contribution prefix is not looked at.
git branch -q -m "$ext" ext
PERSONA_NOW=2026-11-29T10:00:00Z run_persona contribute APP-153 --extend frustrations --text "Replay costs extra." --dry-run
expect "a branch outside the prefix is not looked at" "$code" 0
git branch -q -D ext

# ---- uncommitted edits to the persona ----------------------------------------------------------
sed -i 's/^  - Keep a single tracking plan/  - Keep ONE tracking plan/' "$file"
run_persona contribute APP-153 --confirm goals --dry-run
expect "uncommitted edits: a warning" "$code $err" "0 persona: warning: $file has uncommitted changes; the contribution is made against the committed version"
git add "$file"
run_persona contribute APP-153 --confirm goals --dry-run
expect "staged edits: the same warning" "$code $err" "0 persona: warning: $file has uncommitted changes; the contribution is made against the committed version"
run_persona contribute APP-153 --confirm goals --dry-run --base main~1
expect "another base: no warning" "$code $err" "0 "
git checkout -q HEAD -- "$file"
run_persona contribute APP-153 --confirm goals --dry-run
expect "a clean persona: no warning" "$code $err" "0 "

# ---- pending contributions: history --pending, and contribute's note ------------------------------
PERSONA_NOW=2026-11-30T09:00:00Z run_persona contribute APP-153 --correct 'goals[2]' --author "Grace Hopper" \
  --text "Block or repair malformed events before they reach the warehouse"
pending_branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
pending_commit=$(git rev-parse --short=12 "$pending_branch")
git push -q origin "$pending_branch" && git fetch -q origin
run_persona history APP-153 --pending
expect_run "history --pending" 0 "APP-153 The Segment Data Architect
1 pending contribution from 1 contributor, 2026-11-30T09:00:00Z to 2026-11-30T09:00:00Z

goals
  confirmations: 0 of the current value, 0 of earlier values
  corrections: 1, extensions: 0, comments: 0
  contributors: 1 (Grace Hopper)
  first: 2026-11-30T09:00:00Z, last: 2026-11-30T09:00:00Z
  2026-11-30T09:00:00Z  correct  goals[2]  Grace Hopper
    branch $pending_branch, origin/$pending_branch (commit $pending_commit)
    text: Block or repair malformed events before they reach the warehouse" ""
run_persona history APP-153 --pending --field identity
expect_run "history --pending, another field" 0 "APP-153 The Segment Data Architect
no pending contributions to identity" ""
run_persona history APP-153 --pending --format json
expect "history --pending --format json" "$(printf '%s' "$out" | python3 -c '
import json, sys
h = json.load(sys.stdin)
c = h["fields"][0]["contributions"][0]
print(h["pending"], h["total"], c["field"], c["branches"], c["commit"][:12])')" \
  "True 1 goals[2] ['$pending_branch', 'origin/$pending_branch'] $pending_commit"

PERSONA_NOW=2026-11-30T10:00:00Z run_persona contribute APP-153 --extend goals --text "Keep the warehouse costs in check" --dry-run
expect "contribute: a note on a pending contribution to the field" "$code $err" "0 persona: note: 'goals' has a pending contribution on branch '$pending_branch': correct goals[2] by Grace Hopper
hint: 'persona history APP-153 --pending --field goals' lists the pending contributions"
PERSONA_NOW=2026-11-30T10:00:00Z run_persona contribute APP-153 --confirm identity --author "Grace Hopper" --dry-run
expect "contribute: no note for another field" "$code $err" "0 "

# ---- history --rev ------------------------------------------------------------------------------
tgit tag v1
tgit merge -q --no-edit "$pending_branch"
run_persona history APP-153 --rev v1 --format json
expect "history --rev v1" "$(printf '%s' "$out" | python3 -c '
import json, sys
h = json.load(sys.stdin)
print(h["head"], h["total"], [c["kind"] + " " + c["field"] for f in h["fields"] for c in f["contributions"]])')" \
  "$(git rev-parse v1) 1 ['confirm identity']"
# (a record's time may not be in the future of the clock)
PERSONA_NOW=2026-12-01T00:00:00Z run_persona history APP-153 --format json
expect "history at HEAD has the merged correction" "$(printf '%s' "$out" | python3 -c '
import json, sys
print(json.load(sys.stdin)["total"])')" 2
run_persona history APP-153 --pending
expect_run "merged: nothing pending" 0 "APP-153 The Segment Data Architect
no pending contributions" ""
run_persona history APP-153 --rev v1 --pending
expect "pending as of v1" "$code $(printf '%s\n' "$out" | sed -n 2p)" \
  "0 1 pending contribution from 1 contributor, 2026-11-30T09:00:00Z to 2026-11-30T09:00:00Z"
run_persona history APP-153 --rev nope
expect_run "history --rev: a bad revision" 3 "" "persona: error: --rev: 'nope' does not resolve to a commit
hint: 'git branch -a' lists the branches; any revision git understands works"
run_persona history APP-1533 --rev v1
expect_run "history --rev: an unknown pid" 2 "" "persona: error: unknown persona 'APP-1533' at 'v1'
hint: did you mean 'APP-153'?"

# The pid at --rev is read as validate reads it: quoted, with a comment, after the name; a text
# that merely mentions "pid: APP-153" names nothing.
git checkout -q -b quoted
sed -i 's/^pid: APP-153$/pid: "APP-153" # the id/' "$file"
sed -i '/^pid:/{h;d};/^name:/{G}' "$file"
other=personas/clerk/clerk-authentication-developer.yaml  # listed before APP-153's file
sed -i 's/^pid: APP-200$/pid: APP-200\nnotes: |\n  pid: APP-153/' "$other"
tgit commit -qam "The pid quoted, after the name; another file mentions it"
git checkout -q main
run_persona history APP-153 --rev quoted
expect "history --rev: the pid read as validate reads it" "$code $(printf '%s\n' "$out" | head -1)" \
  "0 APP-153 The Segment Data Architect"
expect "history --rev: the files as the test made them" "$(git show quoted:"$file" | sed -n 2,3p; git show quoted:"$other" | grep -c 'pid: APP-153')" \
  'name: The Segment Data Architect
pid: "APP-153" # the id
1'

git fsck --strict --no-progress >"$work/fsck" 2>&1 && ok || bad "git fsck --strict" "$(cat "$work/fsck")"
finish
