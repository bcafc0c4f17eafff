#!/usr/bin/env bash
# `persona contribute`: every flag, its exact output, the commit it makes (objects only: the
# working tree, the index and HEAD never change), reproducible ids, and --push to a bare remote.
#   bash tests/e2e/contribute.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

new_library "$work/lib"
cd "$work/lib"
main=$(git rev-parse main)
file=personas/segment/segment-data-architect.yaml

# ---- --confirm with --note: the output, the record, the commit ---------------------------------
hash=$(value_hash APP-153 aha_moment)
record_body="pid: APP-153
kind: confirm
field: aha_moment
note: Data engineer at a 40-person SaaS, 3 years on Segment
author: Ada Lovelace
time: 2026-11-28T17:30:00Z
value_hash: $hash"
id=$(printf '%s\n' "$record_body" | record_id)
record="contributions/APP-153/20261128T173000Z-$id.yaml"
branch="contrib/APP-153/confirm-aha_moment-${id:0:8}"
before=$(snapshot)
run_persona contribute APP-153 --confirm aha_moment --note "Data engineer at a 40-person SaaS, 3 years on Segment"
commit=$(git rev-parse -q --verify "refs/heads/$branch" || true)
expect_run "confirm" 0 "branch: $branch
commit: $commit
wrote: $record
push: git push -u origin $branch" ""
expect "confirm: working tree, index, HEAD and other refs unchanged" \
  "$(snapshot | grep -v -e "^refs/heads/contrib/" -e "^[0-9a-f]*  -$" -e "logs/refs/heads/contrib")" \
  "$(printf '%s\n' "$before" | grep -v -e "^[0-9a-f]*  -$")"
expect "confirm: the record" "$(git show "$branch:$record")" "id: $id
$record_body"
expect "confirm: one file added" "$(git diff-tree -r --name-status main "$branch")" "A	$record"
expect "confirm: the commit object" "$(git cat-file -p "$branch" | grep -v '^tree ')" "parent $main
author Ada Lovelace <ada@example.org> 1795887000 +0000
committer Ada Lovelace <ada@example.org> 1795887000 +0000

Confirm aha_moment of APP-153 (The Segment Data Architect)

Lived experience (Ada Lovelace):

Data engineer at a 40-person SaaS, 3 years on Segment

Persona: APP-153
Field: aha_moment
Contribution: $id"
expect "confirm: trailers parse" "$(git log -1 --format=%B "$branch" | git interpret-trailers --parse)" "Persona: APP-153
Field: aha_moment
Contribution: $id"
expect "confirm: reflog of the new branch" "$(git reflog show --format='%gs' "$branch")" \
  "persona: confirm APP-153 on ${main:0:12}"
expect "confirm: HEAD still on main" "$(git symbolic-ref HEAD) $(git rev-parse HEAD)" "refs/heads/main $main"

# The branch validates as a whole library (records included).
mkdir "$work/check" && git archive "$branch" | tar -x -C "$work/check"
run_persona validate --repo "$work/check"
expect "confirm: the branch validates" "$code $(printf '%s' "$err" | sed 's/^[0-9]* files/N files/')" "0 N files checked, no problems"

# The same contribution in a fresh copy of the library gives the same commit id.
new_library "$work/lib2"
(cd "$work/lib2" && "$persona" contribute APP-153 --confirm aha_moment \
  --note "Data engineer at a 40-person SaaS, 3 years on Segment" >/dev/null)
expect "confirm: reproducible commit id" "$(git -C "$work/lib2" rev-parse "$branch")" "$commit"

# ---- --correct a list item, with --text and --note ---------------------------------------------
old=$(value_of APP-153 'goals[2]')
run_persona contribute APP-153 --correct 'goals[2]' --text "Block or repair malformed events before they reach the warehouse" \
  --note "I run Protocols every day"
branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
rec=$(printf '%s\n' "$out" | sed -n 's/^wrote: \(contributions.*\)/\1/p')
expect "correct: exit" "$code" 0
expect "correct: files written" "$(printf '%s\n' "$out" | grep '^wrote: ')" "wrote: $rec
wrote: $file"
[[ $branch == contrib/APP-153/correct-goals-2-* ]] && ok || bad "correct: branch name" "$branch"
expect "correct: the persona diff" "$(git diff main "$branch" -- "$file" | grep '^[-+] ')" "-  - $old
+  - Block or repair malformed events before they reach the warehouse"
expect "correct: the record" "$(git show "$branch:$rec" | grep -v '^id: ')" "pid: APP-153
kind: correct
field: goals[2]
text: Block or repair malformed events before they reach the warehouse
note: I run Protocols every day
author: Ada Lovelace
time: 2026-11-28T17:30:00Z
value_hash: $(value_hash APP-153 'goals[2]')"
expect "correct: the record id" "$(git show "$branch:$rec" | sed -n 's/^id: //p')" "$(git show "$branch:$rec" | record_id)"
expect "correct: subject" "$(git log -1 --format=%s "$branch")" "Correct goals[2] of APP-153 (The Segment Data Architect)"
rm -rf "$work/check" && mkdir "$work/check" && git archive "$branch" | tar -x -C "$work/check"
run_persona fmt --check --repo "$work/check"
expect "correct: the persona stays canonical" "$code" 0

# ---- --extend a text field and a list ------------------------------------------------------------
run_persona contribute APP-153 --extend aha_moment --text "A year later it clicked again, when finance asked for one source of truth."
branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
expect "extend text: exit" "$code" 0
expect "extend text: a paragraph appended" "$(git show "$branch:$file" | sed -n '/^aha_moment:/,/^jtbd:/p' | tail -4)" "  were maintaining a contract that made every new tool cheap.

  A year later it clicked again, when finance asked for one source of truth.
jtbd: |-"
run_persona contribute APP-153 --extend frustrations --text "Replay costs extra and needs a support ticket"
branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
expect "extend list: exit" "$code" 0
[[ $branch == contrib/APP-153/extend-frustrations-* ]] && ok || bad "extend list: branch" "$branch"
expect "extend list: an item appended" "$(git diff main "$branch" -- "$file" | grep '^[-+] ')" \
  "+  - Replay costs extra and needs a support ticket"

# ---- --comment, on the persona and on a field --------------------------------------------------
run_persona contribute APP-153 --comment --text "Spot on for mid-size B2B teams."
branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
rec=$(printf '%s\n' "$out" | sed -n 's/^wrote: //p')
expect "comment: exit" "$code" 0
[[ $branch == contrib/APP-153/comment-* ]] && ok || bad "comment: branch" "$branch"
expect "comment: the record has no field and no hash" "$(git show "$branch:$rec" | grep -v '^id: ')" "pid: APP-153
kind: comment
text: Spot on for mid-size B2B teams.
author: Ada Lovelace
time: 2026-11-28T17:30:00Z"
expect "comment: trailers" "$(git log -1 --format=%B "$branch" | git interpret-trailers --parse)" "Persona: APP-153
Contribution: $(git show "$branch:$rec" | sed -n 's/^id: //p')"
run_persona contribute APP-153 --comment --field identity --text "Also true of analytics engineers."
branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
rec=$(printf '%s\n' "$out" | sed -n 's/^wrote: //p')
[[ $branch == contrib/APP-153/comment-identity-* ]] && ok || bad "comment --field: branch" "$branch"
expect "comment --field: field and hash" "$(git show "$branch:$rec" | grep -e '^field' -e '^value_hash')" \
  "field: identity
value_hash: $(value_hash APP-153 identity)"

# ---- --text-file FILE and - --------------------------------------------------------------------
printf 'Replays are billed per event\r\n\r\n' >"$work/text.txt"
run_persona contribute APP-153 --correct 'frustrations[3]' --text-file "$work/text.txt" --dry-run
expect "text-file: read and normalized" "$(printf '%s\n' "$out" | grep '^  text: ')" "  text: Replays are billed per event"
printf 'A comment from standard input.\n' >"$work/stdin.txt"
STDIN_FILE="$work/stdin.txt" run_persona contribute APP-153 --comment --text-file - --dry-run
expect "text-file -: read from stdin" "$(printf '%s\n' "$out" | grep '^  text: ')" "  text: A comment from standard input."
run_persona contribute APP-153 --comment --text-file "$work/missing.txt"
expect_run "text-file: missing file" 3 "" "persona: error: cannot read '$work/missing.txt': No such file or directory"

# ---- no --text: not on a terminal it is an error; on a terminal $EDITOR opens -------------------
run_persona contribute APP-153 --extend goals
expect_run "no text, no terminal" 2 "" "persona: error: a contribution of kind 'extend' needs a text
hint: pass --text TEXT or --text-file FILE ('-' reads standard input)"
cat >"$work/editor.sh" <<'EOF'
#!/bin/sh
# A scripted editor: keeps the template's comment lines, writes the text on top.
{ echo "Catch tracking-plan drift before a release ships"; cat "$1"; } >"$1.new" && mv "$1.new" "$1"
EOF
chmod +x "$work/editor.sh"
if command -v script >/dev/null; then
  EDITOR="$work/editor.sh" script -qec "'$persona' contribute APP-153 --extend goals --branch via-editor" /dev/null >"$work/tty.out" 2>&1 || true
  expect "editor: the text written in \$EDITOR" "$(git diff main via-editor -- "$file" | grep '^[-+] ')" \
    "+  - Catch tracking-plan drift before a release ships"
  cat >"$work/empty-editor.sh" <<'EOF'
#!/bin/sh
: >"$1"
EOF
  chmod +x "$work/empty-editor.sh"
  set +e
  EDITOR="$work/empty-editor.sh" script -qec "'$persona' contribute APP-153 --extend goals --branch never" /dev/null >"$work/tty.out" 2>&1
  set -e
  expect "editor: an empty text aborts" "$(tr -d '\r' <"$work/tty.out")" "persona: error: aborting the contribution: the text is empty"
  expect "editor: nothing made on abort" "$(git branch --list never)" ""
else
  echo "skipped: the editor cases need 'script' (util-linux)"
fi

# ---- --author, identity and the placeholder email -------------------------------------------------
run_persona contribute APP-153 --confirm identity --author "Grace Hopper" --branch by-grace
expect "author: exit" "$code" 0
expect "author: credited in the record" "$(git show by-grace --format= --name-only | xargs -I{} git show by-grace:{} | grep '^author')" "author: Grace Hopper"
expect "author: commit author and committer" "$(git log -1 --format='%an <%ae>|%cn <%ce>' by-grace)" \
  "Grace Hopper <grace-hopper@users.noreply.persona>|Ada Lovelace <ada@example.org>"
git config --global --unset user.email
run_persona contribute APP-153 --confirm context --branch no-email
expect "no user.email: the placeholder" "$(git log -1 --format='%an <%ae>|%cn <%ce>' no-email)" \
  "Ada Lovelace <ada-lovelace@users.noreply.persona>|Ada Lovelace <ada-lovelace@users.noreply.persona>"
git config --global user.email ada@example.org
run_persona contribute --help
[[ $out == *"<name>@users.noreply.persona"* ]] && ok || bad "--help explains the placeholder email" "$out"
GIT_AUTHOR_DATE="2026-11-28T18:30:00+01:00" GIT_COMMITTER_DATE="@1795890600 +0000" \
  run_persona contribute APP-153 --confirm scenario --branch dated
expect "dates: GIT_AUTHOR_DATE and GIT_COMMITTER_DATE" "$(git log -1 --format='%at %ai|%ct' dated)" \
  "1795887000 2026-11-28 18:30:00 +0100|1795890600"
PERSONA_NOW=2026-11-29T08:00:00Z run_persona contribute APP-153 --confirm worldview --branch later
expect "PERSONA_NOW: the record time" "$(git diff-tree -r --name-only main later)" \
  "$(git diff-tree -r --name-only main later | grep '^contributions/APP-153/20261129T080000Z-')"

# ---- --branch and --base --------------------------------------------------------------------
tgit tag v1 main
echo "# a later commit" >>library.yaml && tgit commit -qam "Later"
run_persona contribute APP-153 --confirm impact --branch my/confirmation --base v1
expect "base: output" "$(printf '%s\n' "$out" | head -1)" "branch: my/confirmation"
expect "base: the parent is the base" "$(git rev-parse my/confirmation^)" "$main"
run_persona contribute APP-153 --confirm impact --branch from-head
expect "base: default is HEAD" "$(git rev-parse from-head^)" "$(git rev-parse HEAD)"

# ---- --dry-run writes nothing ----------------------------------------------------------------
before=$(snapshot)
run_persona contribute APP-153 --correct 'goals[1]' --text "Keep one tracking plan as the contract" --dry-run
expect "dry run: exit" "$code" 0
expect "dry run: nothing written (refs, objects, index, files)" "$(snapshot)" "$before"
dry_branch=$(printf '%s\n' "$out" | sed -n 's/^branch: \(.*\) (would be created at .*/\1/p')
dry_rec=$(printf '%s\n' "$out" | sed -n 's/^would write: \(contributions.*\)/\1/p')
expect "dry run: the plan" "$(printf '%s\n' "$out" | grep -v '^  ' | grep -v '^$')" "branch: $dry_branch (would be created at $(git rev-parse --short=12 HEAD))
would write: $dry_rec
would write: $file
$dry_rec:
goals[1] before:
goals[1] after:
push: git push -u origin $dry_branch
dry run: nothing written"
expect "dry run: before and after" "$(printf '%s\n' "$out" | sed -n '/^goals\[1\] before:/,/^push:/p')" "goals[1] before:
  $(value_of APP-153 'goals[1]')

goals[1] after:
  Keep one tracking plan as the contract

push: git push -u origin $dry_branch"
run_persona contribute APP-153 --correct 'goals[1]' --text "Keep one tracking plan as the contract"
expect "dry run: the real run makes the branch it announced" "$(printf '%s\n' "$out" | head -1)" "branch: $dry_branch"

# ---- --push to a local bare repository ------------------------------------------------------------
git init -q --bare "$work/remote.git"
git remote add origin "$work/remote.git"
run_persona contribute APP-153 --confirm outcome --branch pushed/one --push
expect_run "push: default remote" 0 "branch: pushed/one
commit: $(git rev-parse pushed/one)
wrote: $(git diff-tree -r --name-only main pushed/one)
pushed: origin pushed/one" ""
expect "push: the remote has the branch" "$(git -C "$work/remote.git" rev-parse pushed/one)" "$(git rev-parse pushed/one)"
git init -q --bare "$work/other.git"
git remote add upstream "$work/other.git"
run_persona contribute APP-153 --confirm outcome --branch pushed/two --push=upstream
expect "push: named remote" "$code $(git -C "$work/other.git" rev-parse pushed/two)" "0 $(git rev-parse pushed/two)"
run_persona contribute APP-153 --confirm outcome --branch pushed/three --push "$work/other.git"
expect "push: a path" "$code $(git -C "$work/other.git" rev-parse pushed/three)" "0 $(git rev-parse pushed/three)"
run_persona contribute APP-153 --confirm outcome --branch pushed/four --push=nowhere
expect_run "push: unknown remote" 3 "" "persona: error: no remote named 'nowhere'
hint: the branch 'pushed/four' was made (commit $(git rev-parse --short=12 pushed/four)); once the remote works, push it with: git push -u nowhere pushed/four"
expect "push: the branch was still made" "$(git rev-parse --verify -q pushed/four >/dev/null && echo yes)" "yes"

git fsck --strict --no-progress >"$work/fsck" 2>&1 && ok || bad "git fsck --strict" "$(cat "$work/fsck")"
expect "the working tree was never touched" "$(git status --porcelain)" ""

# ---- the pid is read as validate reads it: a comment after it, quotes, another key first -------
new_library "$work/commented"
cd "$work/commented"
sed -i 's/^pid: APP-153$/pid: APP-153 # a comment/' "$file"
tgit commit -qam "A comment after the pid"
run_persona contribute APP-153 --confirm identity --branch commented
expect "pid with a comment: contribute works" "$code $err" "0 "
expect "pid with a comment: the record names it" "$(git show commented --name-only --format= | grep -c '^contributions/APP-153/')" 1
sed -i 's/^pid: APP-153 # a comment$/pid: "APP-153"/' "$file"
sed -i '/^pid:/{h;d};/^name:/{G}' "$file"
tgit commit -qam "The pid quoted, after the name"
expect "pid after the name: the file says so" "$(sed -n 2,3p "$file")" 'name: The Segment Data Architect
pid: "APP-153"'
run_persona contribute APP-153 --confirm identity --branch quoted
expect "pid quoted, after the name: contribute works" "$code $err" "0 "
finish
