#!/usr/bin/env bash
# The dirty-tree guarantee: a contributor's uncommitted work (a modified tracked file, a staged
# change, an untracked file, even an edit to the very persona being corrected) stays exactly as
# it was, byte for byte, with `git status` unchanged; the commit is built from the base commit,
# not from the working tree; the index and HEAD are never touched.
#   bash tests/e2e/contribute_dirty.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

new_library "$work/lib"
cd "$work/lib"
file=personas/segment/segment-data-architect.yaml
other=personas/segment/segment-growth-marketer.yaml

# Uncommitted work of every kind.
sed -i 's/^  - Keep a single tracking plan/  - Keep ONE tracking plan/' "$file"          # modified, unstaged
printf '# staged note\n' >>"$other" && git add "$other"                                    # staged
printf 'more\n' >>"$other"                                                                 # and modified again
printf 'draft\n' >notes.txt                                                                # untracked
mkdir -p contributions/APP-153 && printf 'not a record yet\n' >contributions/APP-153/draft.txt
status_before=$(git status --porcelain=v1 --untracked-files=all)
bytes_before=$(find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha1sum)
index_before=$(sha1sum <.git/index)
head_before=$(cat .git/HEAD; git rev-parse HEAD)
stat_before=$(stat -c '%n %s %Y' "$file" "$other" notes.txt .git/index)

run_persona contribute APP-153 --correct 'goals[2]' --text "Block or repair malformed events before they reach the warehouse"
expect "contribute on a dirty tree: exit" "$code" 0
branch=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')

expect "git status is unchanged" "$(git status --porcelain=v1 --untracked-files=all)" "$status_before"
expect "every working-tree byte is unchanged" "$(find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha1sum)" "$bytes_before"
expect "the index is unchanged" "$(sha1sum <.git/index)" "$index_before"
expect "HEAD is unchanged" "$(cat .git/HEAD; git rev-parse HEAD)" "$head_before"
expect "sizes and mtimes are unchanged" "$(stat -c '%n %s %Y' "$file" "$other" notes.txt .git/index)" "$stat_before"

# The commit holds the base's persona with only goals[2] changed: the dirty goals[1] edit is not in it.
expect "the commit is built from the base, not the working tree" "$(git diff main "$branch" -- "$file" | grep '^[-+] ')" \
  "-  - $(value_of APP-153 'goals[2]')
+  - Block or repair malformed events before they reach the warehouse"
expect "the commit adds the record and changes the persona, nothing else" \
  "$(git diff-tree -r --name-status main "$branch" | cut -c1-2 | sort | tr -d '\n')" "A	M	"

git fsck --strict --no-progress >"$work/fsck" 2>&1 && ok || bad "git fsck --strict" "$(cat "$work/fsck")"
finish
