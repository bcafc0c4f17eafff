#!/usr/bin/env bash
# `persona history PID [--field F] [--format text|json]`: exact output, each contribution tied to
# the commit that added its record, uncommitted records shown as such, errors (a shallow clone
# included); and a history of 20,000 commits (speed is scripts/bench's to measure).
#   bash tests/e2e/history.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

new_library "$work/lib"
cd "$work/lib"

# ---- nothing yet, and the errors --------------------------------------------------------------
run_persona history APP-153
expect_run "no contributions" 0 "APP-153 The Segment Data Architect
no contributions yet" ""
run_persona history APP-153 --field goals
expect_run "no contributions to a field" 0 "APP-153 The Segment Data Architect
no contributions yet to goals" ""
run_persona history APP-153 --format json
expect "no contributions, json" "$out" '{
  "pid": "APP-153",
  "name": "The Segment Data Architect",
  "head": "'"$(git rev-parse HEAD)"'",
  "pending": false,
  "total": 0,
  "contributors": [],
  "first_activity": null,
  "last_activity": null,
  "fields": [],
  "comments": []
}'
run_persona history APP-1533
expect_run "unknown pid" 2 "" "persona: error: unknown persona 'APP-1533'
hint: did you mean 'APP-153'?"
run_persona history APP-153 --field gols
expect_run "unknown field" 2 "" "persona: error: --field: unknown field 'gols'; did you mean 'goals'?
hint: 'persona show APP-153 --fields' lists the field paths"
run_persona history APP-153 --format yaml
expect_run "unknown format" 2 "" "persona: error: --format: yaml not in {text,json}
hint: run 'persona --help' or 'persona COMMAND --help'"

# ---- contributions, merged -------------------------------------------------------------------
contribute_at() {
  local at=$1 epoch
  shift
  epoch=$(date -u -d "$at" +%s)
  PERSONA_NOW=$at GIT_AUTHOR_DATE="@$epoch +0000" GIT_COMMITTER_DATE="@$epoch +0000" run_persona contribute "$@"
  branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
  tgit merge -q --no-edit "$branch"
}
contribute_at 2026-11-20T09:00:00Z APP-153 --confirm aha_moment --note "Data engineer, 3 years on Segment"
c1=$(git rev-parse --short=12 "$branch")
contribute_at 2026-11-21T09:00:00Z APP-153 --extend frustrations --text "Replay costs extra and needs a support ticket" --author "Grace Hopper"
c2=$(git rev-parse --short=12 "$branch")
contribute_at 2026-11-22T09:00:00Z APP-153 --comment --text "Spot on for mid-size B2B teams.
Especially the part about pricing." --author "Grace Hopper"
c3=$(git rev-parse --short=12 "$branch")

run_persona history APP-153
expect_run "history" 0 "APP-153 The Segment Data Architect
3 contributions from 2 contributors, 2026-11-20T09:00:00Z to 2026-11-22T09:00:00Z

frustrations
  confirmations: 0 of the current value, 0 of earlier values
  corrections: 0, extensions: 1, comments: 0
  contributors: 1 (Grace Hopper)
  first: 2026-11-21T09:00:00Z, last: 2026-11-21T09:00:00Z
  2026-11-21T09:00:00Z  extend  frustrations  Grace Hopper
    commit $c2 Extend frustrations of APP-153 (The Segment Data Architect)
    text: Replay costs extra and needs a support ticket

aha_moment
  confirmations: 1 of the current value, 0 of earlier values
  corrections: 0, extensions: 0, comments: 0
  contributors: 1 (Ada Lovelace)
  first: 2026-11-20T09:00:00Z, last: 2026-11-20T09:00:00Z
  2026-11-20T09:00:00Z  confirm  aha_moment  Ada Lovelace  (current value)
    commit $c1 Confirm aha_moment of APP-153 (The Segment Data Architect)
    note: Data engineer, 3 years on Segment

comments on the whole persona: 1
  2026-11-22T09:00:00Z  comment  Grace Hopper
    commit $c3 Comment on APP-153 (The Segment Data Architect)
    text: Spot on for mid-size B2B teams.
          Especially the part about pricing." ""

run_persona history APP-153 --field aha_moment --format json
expect "json for one field" "$(printf '%s' "$out" | python3 -c '
import json, sys
h = json.load(sys.stdin)
f = h["fields"][0]
c = f["contributions"][0]
print(h["total"], f["field"], f["confirmations"], c["kind"], c["value"], c["author"], c["commit"][:12], c["file"].startswith("contributions/APP-153/20261120T090000Z-"))')" \
  "1 aha_moment {'current': 1, 'earlier': 0} confirm current Ada Lovelace $c1 True"

# A record in the working tree only: shown, without a commit.
PERSONA_NOW=2026-11-23T09:00:00Z run_persona contribute APP-153 --confirm identity --branch pending
rec=$(printf '%s\n' "$out" | sed -n 's/^wrote: //p')
mkdir -p "$(dirname "$rec")" && git show "pending:$rec" >"$rec"
run_persona history APP-153 --field identity
expect_run "an uncommitted record" 0 "APP-153 The Segment Data Architect
1 contribution from 1 contributor, 2026-11-23T09:00:00Z to 2026-11-23T09:00:00Z

identity
  confirmations: 1 of the current value, 0 of earlier values
  corrections: 0, extensions: 0, comments: 0
  contributors: 1 (Ada Lovelace)
  first: 2026-11-23T09:00:00Z, last: 2026-11-23T09:00:00Z
  2026-11-23T09:00:00Z  confirm  identity  Ada Lovelace  (current value)
    commit none (not committed on HEAD)" ""
rm "$rec"

# Not in a git repository: history needs one.
mkdir "$work/plain" && cp -r "$src/library.yaml" "$src/schema" "$src/personas" "$work/plain/"
(cd "$work/plain" && run_persona history APP-153 && printf '%s\n%s\n' "$code" "$err" >"$work/plain.out")
expect "not a repository" "$(cat "$work/plain.out")" "3
persona: error: not a git repository (or any parent up to /): '$work/plain'
hint: contributions are commits: run this inside a clone of the library"

# A persona that is fine on its own but refers to a pid no persona has is not valid in the
# library: history says so (the same answer cold and with validate's cache warm), and the
# others still work.
persona_file=personas/segment/segment-data-architect.yaml
cp "$persona_file" "$work/saved.yaml"
sed -i 's/APP-116 (The Stripe/APP-999 (The Stripe/' "$persona_file"
for run in cold warm; do
  run_persona history APP-153
  expect_run "an invalid persona ($run)" 1 "" "persona: error: persona 'APP-153' in '$persona_file' has problems
hint: run 'persona validate $persona_file' to see them"
done
cp "$work/saved.yaml" "$persona_file"
run_persona history APP-153 --field identity
first_out=$out
run_persona history APP-153 --field identity
expect "the same history with the cache warm" "$out" "$first_out"

# ---- a shallow clone whose history stops before the records ---------------------------------------
tgit commit -q --allow-empty -m "A later commit"
git clone -q --depth 1 "file://$work/lib" "$work/shallow"
cd "$work/shallow"
run_persona history APP-153
expect_run "shallow clone" 3 "" "persona: error: cannot tell when the contributions to 'APP-153' were made: this clone is shallow, and its history stops before them
hint: fetch the whole history, then run it again: git fetch --unshallow origin"
git fetch -q --unshallow origin
run_persona history APP-153
expect "shallow clone, unshallowed: it works" "$code" 0
cd "$work/lib"

# ---- 20,000 commits ------------------------------------------------------------------------------
# A linear history made with git fast-import: the first commit adds one record of APP-153, 19,998
# commits change other files (some under contributions/, so that directory's tree changes every
# time, but not contributions/APP-153/), and the last adds a second record.
PERSONA_NOW=2026-11-24T09:00:00Z run_persona contribute APP-153 --confirm goals --branch first
first_rec=$(git diff-tree -r --name-only main first)
PERSONA_NOW=2026-11-25T09:00:00Z run_persona contribute APP-153 --confirm outcome --branch last
last_rec=$(git diff-tree -r --name-only main last)
python3 - "$(git rev-parse main)" "$first_rec" "$(git rev-parse "first:$first_rec")" "$last_rec" \
  "$(git rev-parse "last:$last_rec")" >"$work/stream" <<'EOF'
import sys
base, first_path, first_blob, last_path, last_blob = sys.argv[1:]
out = sys.stdout
n = 20000
for i in range(1, n + 1):
    t = 1795000000 + i * 60
    msg = f"commit {i}\n".encode()
    out.write(f"commit refs/heads/big\nmark :{i}\ncommitter Bench <bench@example.org> {t} +0000\n")
    out.write(f"data {len(msg)}\n")
    out.flush(); sys.stdout.buffer.write(msg); out.flush()
    out.write(f"from {base}\n" if i == 1 else f"from :{i - 1}\n")
    if i == 1:
        out.write(f"M 100644 {first_blob} {first_path}\n")
    elif i == n:
        out.write(f"M 100644 {last_blob} {last_path}\n")
    else:
        data = f"noise {i}\n".encode()
        path = f"contributions/APP-154/noise-{i % 7}.txt" if i % 2 else "notes/noise.txt"
        out.write(f"M 100644 inline {path}\ndata {len(data)}\n")
        out.flush(); sys.stdout.buffer.write(data); out.flush()
    out.write("\n")
EOF
git fast-import --quiet <"$work/stream"
expect "the big history" "$(git rev-list --count big ^main)" 20000
git checkout -q big
run_persona history APP-153 --format json
expect "20,000 commits: exit" "$code" 0
expect "20,000 commits: each record's commit" "$(printf '%s' "$out" | python3 -c '
import json, sys
h = json.load(sys.stdin)
for f in h["fields"]:
    for c in f["contributions"]:
        if c["field"] in ("goals", "outcome"):
            print(c["field"], c["commit"], c["commit_summary"])')" \
  "outcome $(git rev-parse big) commit 20000
goals $(git rev-parse big~19999) commit 1"

finish
