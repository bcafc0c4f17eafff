#!/usr/bin/env bash
# `persona check --base`: each rule of the pull-request gate, failing and passing, in throwaway
# repositories built like real pull requests (a branch 'pr' off 'main', with 'main' moving on).
# Results are asserted exactly, in the one-line-per-problem GitHub format.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"

new_library "$work/template"
n=0
# scenario: a fresh copy of the template repository, on a new branch 'pr'.
scenario() {
  n=$((n + 1))
  cp -a "$work/template" "$work/s$n"
  cd "$work/s$n"
  git checkout -q -b pr
}
# judged FILES: the summary line check prints for a change of FILES files.
judged() {
  echo "judged the change from $(short "$(git merge-base main HEAD)") (merge base with 'main') to HEAD $(short HEAD): $1 changed"
}
# checked: the number of files validate counts (personas, records, library.yaml).
checked() {
  echo $(( $(find personas -name '*.yaml' | wc -l) + $(find contributions -name '*.yaml' 2>/dev/null | wc -l) + 1 ))
}
line_of() { grep -n "^$2:" "$1" | head -1 | cut -d: -f1; }
mb() { short "$(git merge-base main HEAD)"; }
dm=contributions/APP-153  # the Segment Data Architect's records
arch=personas/segment/segment-data-architect.yaml
pm=personas/linear/linear-product-manager.yaml  # APP-172: no other persona refers to it

# --- a clean contribution of every kind passes ---------------------------------------------------
scenario
make_record APP-153 correct "goals[2]" "Block malformed events before they reach the warehouse." >/dev/null
make_record APP-153 extend identity "They also run the weekly data-quality review." --time 2026-11-21T09:00:00Z >/dev/null
make_record APP-153 extend frustrations "Nobody owns the tracking plan after a reorg." --time 2026-11-22T09:00:00Z >/dev/null
make_record APP-153 confirm aha_moment "" --author "Grace Hopper" >/dev/null
make_record APP-153 comment "" "This matches my team exactly." --time 2026-11-23T09:00:00Z >/dev/null
commit_all "Contributions to APP-153"
run_persona check --base main --format github
expect_run "clean contribution" 0 "" "$(judged "6 files")
$(checked) files checked, no problems"

# A change with nothing in it passes too.
scenario
run_persona check --base main
expect_run "empty change" 0 "" "$(judged "0 files")
$(checked) files checked, no problems"

# --- records are only ever added ---------------------------------------------------------------
scenario
git checkout -q main
rec=$(make_record APP-153 confirm aha_moment "")
commit_all "A confirmation"
git checkout -q pr && git merge -q --ff-only main
sed -i 's/^note: .*/note: "Edited afterwards."/' "$rec"
commit_all "Edit a record"
run_persona check --base main --format github
expect_run "modified record" 1 \
"::error file=$rec,line=1,col=1,title=persona record-modified::contribution record was modified; records are never edited once added (restore it with 'git checkout $(mb) -- $rec' and add a new contribution instead)
::error file=$rec,line=1,col=5,title=persona record-edited::record content does not match its id '$(basename "$rec" .yaml | cut -d- -f2)' (it hashes to '$(python3 - "$rec" <<'PY'
import hashlib, json, sys
d = {}
for line in open(sys.argv[1]):
    k, v = line.split(": ", 1)
    d[k] = json.loads(v)
c = "".join(f"{k} {d.get(k, '')}\n" for k in ["pid", "kind", "field", "time", "author", "value_hash", "text", "note"])
b = c.encode()
print(hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()[:12])
PY
)') (records are never edited: add a new contribution instead)" "$(judged "1 file")
2 errors in 1 file ($(checked) files checked)"

git rm -q "$rec"
commit_all "Delete a record"
run_persona check --base main --format github
expect_run "deleted record" 1 \
"::error file=$rec,title=persona record-deleted::contribution record was deleted; records are never removed (restore it with 'git checkout $(mb) -- $rec')" \
"$(judged "1 file")
1 error in 1 file ($(checked) files checked)"

git checkout -q "$(git merge-base main HEAD)" -- "$rec"
commit_all "Restore it"
run_persona check --base main
expect_run "restored record" 0 "" "$(judged "0 files")
$(checked) files checked, no problems"

moved=$dm/20261120T090000Z-000000000000.yaml
git mv "$rec" "$moved"
commit_all "Rename a record"
run_persona check --base main --format github
expect_run "renamed record" 1 \
"::error file=$moved,line=1,col=1,title=persona record-renamed::contribution record was moved here from '$rec'; records are never moved or renamed (restore it with 'git rm -q $moved && git checkout $(mb) -- $rec')
::error file=$moved,line=2,col=6,title=persona record-path::record is at '$moved' but belongs at '$rec'" \
"$(judged "1 file")
2 errors in 1 file ($(checked) files checked)"

# --- pids: never changed, never reused, no collision with the base branch --------------------
scenario
sed -i 's/^pid: APP-172$/pid: APP-299/' "$pm"
commit_all "Renumber a persona"
run_persona check --base main --format github
expect_run "changed pid" 1 \
"::error file=$pm,line=$(line_of "$pm" pid),col=1,title=persona pid-changed::pid changed from 'APP-172' to 'APP-299'; a persona's pid never changes (put back 'pid: APP-172')" \
"$(judged "1 file")
1 error in 1 file ($(checked) files checked)"

# new_persona PID FILE NAME: a new, valid persona (a copy of the data architect under a new name).
new_persona() {
  sed -e "s/^pid: .*/pid: $1/" -e "s/^name: .*/name: $3/" "$arch" >"$2"
}
steward=personas/segment/segment-data-steward.yaml
auditor=personas/segment/segment-data-auditor.yaml
scenario
git checkout -q main
new_persona APP-249 "$steward" "The Segment Data Steward"
commit_all "A new persona on main"
git checkout -q pr
new_persona APP-249 "$auditor" "The Segment Data Auditor"
commit_all "Another new persona, same pid"
run_persona check --base main --format github
expect_run "pid collision" 1 \
"::error file=$auditor,line=$(line_of "$auditor" pid),col=1,title=persona pid-collision::pid 'APP-249' is also taken on 'main' by '$steward', added there since this branch started (give this persona the next free pid, 'APP-250')" \
"$(judged "1 file")
1 error in 1 file ($(checked) files checked)"
sed -i 's/^pid: APP-249$/pid: APP-250/' "$auditor"
commit_all "Take the next free pid"
run_persona check --base main
expect_run "next free pid" 0 "" "$(judged "1 file")
$(checked) files checked, no problems"

scenario
git checkout -q main
mkdir -p contributions/APP-260
printf 'id: "0123456789ab"\n' >contributions/APP-260/20261101T100000Z-0123456789ab.yaml
commit_all "Leftover records of a removed persona"
git checkout -q pr
new_persona APP-260 "$steward" "The Segment Data Steward"
commit_all "A new persona reusing a pid"
run_persona check --base main --format github
expect_run "reused pid" 1 \
"::error file=$steward,line=$(line_of "$steward" pid),col=1,title=persona pid-reused::pid 'APP-260' belonged to a persona that was removed; its contributions are still under 'contributions/APP-260/' (give this persona the next free pid, 'APP-261')" \
"$(judged "1 file")
1 error in 1 file ($(checked) files checked)"

# --- stale corrections, extensions and confirmations ------------------------------------------
scenario
git checkout -q main
theirs=$(make_record APP-153 correct "goals[2]" "Stop malformed events at the edge, before any destination sees them." --author "Grace Hopper" --time 2026-11-10T09:00:00Z)
commit_all "Grace's correction, merged first"
git checkout -q pr
ours=$(make_record APP-153 correct "goals[2]" "Block malformed events before they reach the warehouse.")
commit_all "Ada's correction of the same item"
theirs_id=$(basename "$theirs" .yaml | cut -d- -f2)
ours_id=$(basename "$ours" .yaml | cut -d- -f2)
run_persona check --base main --format github
expect_run "stale correction" 1 \
"::error file=$ours,line=$(line_of "$ours" value_hash),col=1,title=persona stale-contribution::correction $ours_id of 'goals[2]' is stale: 'main' changed that value after this branch started, in correction $theirs_id of 'goals[2]' by Grace Hopper (2026-11-10T09:00:00Z, $theirs) (update the branch ('git rebase main') and make the correction again against the current value)" \
"$(judged "2 files")
1 error in 1 file ($(checked) files checked)"

# A correction of another item of the same persona is not stale.
scenario
git checkout -q main
make_record APP-153 correct "goals[2]" "Stop malformed events at the edge, before any destination sees them." --author "Grace Hopper" --time 2026-11-10T09:00:00Z >/dev/null
commit_all "Grace's correction, merged first"
git checkout -q pr
make_record APP-153 correct "goals[3]" "Add or remove destinations by configuration, never by an app release." >/dev/null
commit_all "Ada's correction of another item"
run_persona check --base main
expect_run "correction of another item" 0 "" "$(judged "2 files")
$(checked) files checked, no problems"

# An extension raced by a direct edit on main; a confirmation of a value main has corrected.
scenario
git checkout -q main
set_field APP-153 identity "A data engineer who runs Segment for the whole company."
commit_all "A maintainer's edit on main"
git checkout -q pr
ext=$(make_record APP-153 extend identity "They also run the weekly data-quality review.")
commit_all "An extension of the old text"
run_persona check --base main --format github
expect_run "stale extension" 1 \
"::error file=$ext,line=$(line_of "$ext" value_hash),col=1,title=persona stale-contribution::extension $(basename "$ext" .yaml | cut -d- -f2) of 'identity' is stale: 'main' changed that value after this branch started, by an edit without a contribution record (update the branch ('git rebase main') and make the extension again against the current value)" \
"$(judged "2 files")
1 error in 1 file ($(checked) files checked)"

scenario
git checkout -q main
theirs=$(make_record APP-153 correct aha_moment "The first time a broken event was blocked before it reached the warehouse." --author "Grace Hopper" --time 2026-11-10T09:00:00Z)
commit_all "Grace's correction"
git checkout -q pr
conf=$(make_record APP-153 confirm aha_moment "")
commit_all "Ada confirms the old value"
run_persona check --base main --format github
expect_run "stale confirmation" 0 \
"::warning file=$conf,line=$(line_of "$conf" value_hash),col=1,title=persona stale-confirmation::confirmation $(basename "$conf" .yaml | cut -d- -f2) of 'aha_moment' is for a value 'main' has since changed in correction $(basename "$theirs" .yaml | cut -d- -f2) of 'aha_moment' by Grace Hopper (2026-11-10T09:00:00Z, $theirs); it will count for the earlier value (update the branch and confirm the current value if it is right)" \
"$(judged "1 file")
1 warning in 1 file ($(checked) files checked)"

# --- records agree with the persona file; no persona change without a record ----------------
scenario
rec=$(make_record APP-153 correct "goals[2]" "Block malformed events before they reach the warehouse." --edit-text "Something else entirely, written by hand.")
commit_all "A correction whose file says something else"
goal2=$(grep -n '^goals:' "$arch" | cut -d: -f1); goal2=$((goal2 + 2))
run_persona check --base main --format github
expect_run "correction disagrees with the file" 1 \
"::error file=$arch,line=$goal2,col=5,title=persona record-mismatch::'goals[2]' does not hold the text of correction $(basename "$rec" .yaml | cut -d- -f2) ($rec) (the persona file and the record change together; 'persona contribute' writes both)" \
"$(judged "2 files")
1 error in 1 file ($(checked) files checked)"

scenario
rec=$(make_record APP-153 extend frustrations "Nobody owns the tracking plan after a reorg." --no-edit)
commit_all "An extension record without the change"
run_persona check --base main --format github
expect_run "extension missing from the file" 1 \
"::error file=$arch,line=$(line_of "$arch" frustrations),col=1,title=persona record-mismatch::'frustrations' does not end with the item added by extension $(basename "$rec" .yaml | cut -d- -f2) ($rec) (the persona file and the record change together; 'persona contribute' writes both)" \
"$(judged "1 file")
1 error in 1 file ($(checked) files checked)"

scenario
rec=$(make_record APP-153 extend identity "They also run the weekly data-quality review." --edit-text "They also run something else.")
commit_all "An extension whose file says something else"
run_persona check --base main --format github
expect_run "text extension disagrees with the file" 1 \
"::error file=$arch,line=$(line_of "$arch" identity),col=1,title=persona record-mismatch::'identity' does not end with the paragraph added by extension $(basename "$rec" .yaml | cut -d- -f2) ($rec) (the persona file and the record change together; 'persona contribute' writes both)" \
"$(judged "2 files")
1 error in 1 file ($(checked) files checked)"

scenario
rec=$(make_record APP-153 correct outcome "Success is quiet and nobody asks where the data came from." --hash 0123456789012345678901234567890123456789)
commit_all "A correction with a wrong hash"
run_persona check --base main --format github
expect_run "wrong value hash" 1 \
"::error file=$rec,line=$(line_of "$rec" value_hash),col=1,title=persona record-hash::value_hash of correction $(basename "$rec" .yaml | cut -d- -f2) is not the hash of the value of 'outcome' this change started from (records are written by 'persona contribute', which hashes the value it changes)" \
"$(judged "2 files")
1 error in 1 file ($(checked) files checked)"

scenario
set_field APP-153 outcome "Success is quiet and nobody asks where the data came from."
commit_all "A direct edit"
run_persona check --base main --format github
direct="::error file=$arch,line=$(line_of "$arch" outcome),col=1,title=persona direct-edit::'outcome' changed without a contribution record (make it a contribution ('persona contribute APP-153 --correct outcome --text ...'); a maintainer's edit passes --allow-direct-edits)"
expect_run "direct edit" 1 "$direct" "$(judged "1 file")
1 error in 1 file ($(checked) files checked)"
run_persona check --base main --allow-direct-edits
expect_run "direct edit allowed" 0 "" "$(judged "1 file")
$(checked) files checked, no problems"
# A correction of one field does not cover an edit of another.
make_record APP-153 correct aha_moment "The first time a broken event was blocked before it reached the warehouse." >/dev/null
commit_all "A contribution besides"
run_persona check --base main --format github
expect_run "direct edit beside a record" 1 "$direct" "$(judged "2 files")
1 error in 1 file ($(checked) files checked)"

# Presentation only: not canonical (fmt --check on touched files) and changed without a record.
scenario
sed -i 's/^app: Segment$/app: "Segment"/' "$arch"
commit_all "Quote a value"
run_persona check --base main --format github
expect_run "presentation-only edit" 1 \
"::error file=$arch,line=1,col=1,title=persona direct-edit::persona file changed without a contribution record (only its presentation) (a maintainer's edit passes --allow-direct-edits)
::error file=$arch,line=$(line_of "$arch" app),col=1,title=persona not-canonical::file is not in canonical form (run 'persona fmt $arch' to rewrite it)" \
"$(judged "1 file")
2 errors in 1 file ($(checked) files checked)"

scenario
git rm -q "$pm"
commit_all "Retire a persona"
run_persona check --base main --format github
expect_run "deleted persona" 1 \
"::error file=$pm,title=persona persona-deleted::persona file was deleted (pid 'APP-172'); a pid is never reused and its contributions stay (restore it with 'git checkout $(mb) -- $pm'; a maintainer retiring a persona passes --allow-direct-edits)" \
"$(judged "1 file")
1 error in 1 file ($(checked) files checked)"
run_persona check --base main --allow-direct-edits
expect_run "deleted persona allowed" 0 "" "$(judged "1 file")
$(checked) files checked, no problems"

# --- more than one persona: a warning --------------------------------------------------------
scenario
a=$(make_record APP-153 confirm aha_moment "")
make_record APP-154 confirm aha_moment "" >/dev/null
commit_all "Two personas at once"
run_persona check --base main --format github
expect_run "two personas" 0 \
"::warning file=$a,title=persona multiple-personas::this change touches 2 personas ('APP-153' and 'APP-154') (one persona per pull request keeps review simple; split it unless it belongs together)" \
"$(judged "2 files")
1 warning in 1 file ($(checked) files checked)"

# --- fmt --check looks at the files the change touches; without --base, at all --------------
scenario
git checkout -q main
sed -i 's/^app: Segment$/app: "Segment"/' "$arch"
commit_all "A non-canonical file on main"
git checkout -q pr && git merge -q --ff-only main
make_record APP-154 confirm aha_moment "" >/dev/null
commit_all "A confirmation elsewhere"
run_persona check --base main
expect_run "untouched non-canonical file" 0 "" "$(judged "1 file")
$(checked) files checked, no problems"
run_persona check --format github
expect_run "without --base every file" 1 \
"::error file=$arch,line=$(line_of "$arch" app),col=1,title=persona not-canonical::file is not in canonical form (run 'persona fmt $arch' to rewrite it)" \
"1 error in 1 file ($(checked) files checked)"

# --- a pull request's merge commit is judged as the pull request's head ------------------------
scenario
git checkout -q main
make_record APP-154 confirm aha_moment "" >/dev/null
commit_all "Main moves on"
git checkout -q pr
rec=$(make_record APP-153 correct "goals[2]" "Block malformed events before they reach the warehouse.")
commit_all "A correction"
head=$(short HEAD)
git checkout -q --detach main
tgit merge -q --no-ff -m "Merge pr" pr
run_persona check --base main
expect_run "merge commit" 0 "" "judged the change from $(short "$(git merge-base main pr)") (merge base with 'main') to $head (HEAD $(short HEAD) merges it into 'main'): 2 files changed
$(checked) files checked, no problems"

# --- a library in a subdirectory of its repository: paths stay relative to the library --------
mkdir -p "$work/sub/site"
(cd "$work/sub" && git init -q -b main && echo "# A monorepo" >README.md)
cp -r "$src/library.yaml" "$src/schema" "$src/personas" "$work/sub/site/"
cd "$work/sub"
commit_all "A monorepo with a library in site/"
git checkout -q -b pr
cd site
set_field APP-153 outcome "Success is quiet and nobody asks where the data came from."
make_record APP-154 confirm aha_moment "" >/dev/null
echo "more" >>../README.md
commit_all "A direct edit and a confirmation"
run_persona check --base main --format github
expect_run "library in a subdirectory" 1 \
"::warning file=contributions/APP-154/$(ls contributions/APP-154),title=persona multiple-personas::this change touches 2 personas ('APP-153' and 'APP-154') (one persona per pull request keeps review simple; split it unless it belongs together)
::error file=$arch,line=$(line_of "$arch" outcome),col=1,title=persona direct-edit::'outcome' changed without a contribution record (make it a contribution ('persona contribute APP-153 --correct outcome --text ...'); a maintainer's edit passes --allow-direct-edits)" \
"$(judged "2 files")
1 error and 1 warning in 2 files ($(checked) files checked)"

# --- what the repository cannot answer: exit 3 --------------------------------------------------
scenario
run_persona check --base no-such-branch
expect_run "unknown base" 3 "" "persona: error: base 'no-such-branch' does not name a commit in this clone
hint: name the branch the change will be merged into, e.g. --base origin/main"
git remote add origin "file://$work/template"
run_persona check --base origin/main
expect_run "unfetched remote branch" 3 "" "persona: error: base 'origin/main' does not name a commit in this clone
hint: fetch it first: git fetch origin +refs/heads/main:refs/remotes/origin/main"
git fetch -q origin +refs/heads/main:refs/remotes/origin/main
run_persona check --base origin/main
expect_run "after that fetch" 0 "" "judged the change from $(mb) (merge base with 'origin/main') to HEAD $(short HEAD): 0 files changed
$(checked) files checked, no problems"
git checkout -q --orphan unrelated && tgit commit -q -m "Unrelated history"
run_persona check --base main
expect_run "unrelated history" 3 "" "persona: error: 'main' and HEAD have no common history, so there is no change to judge
hint: --base names the branch the change will be merged into"

mkdir "$work/plain" && cp -r "$src/library.yaml" "$src/schema" "$src/personas" "$work/plain/" && cd "$work/plain"
run_persona check --base main
expect_run "not a git repository" 3 "" "persona: error: not a git repository (or any parent up to /): '$work/plain'
hint: contributions are commits: run this inside a clone of the library"
git init -q -b main
run_persona check --base main
expect_run "unborn HEAD" 3 "" "persona: error: HEAD has no commits yet, so there is no change to judge
hint: commit the change first"
run_persona check --base main --format nope
expect_run "bad format" 2 "" "persona: error: --format: nope not in {text,json,github,sarif}
hint: run 'persona --help' or 'persona COMMAND --help'"
run_persona check --base ""
expect_run "empty base" 2 "" "persona: error: --base: needs a revision, e.g. origin/main
hint: run 'persona --help' or 'persona COMMAND --help'"

finish
