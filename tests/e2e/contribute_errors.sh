#!/usr/bin/env bash
# `persona contribute` refusing: each error has an exact message and exit code, and leaves the
# repository exactly as it was (refs, reflogs, objects, index, status, every working-tree byte).
#   bash tests/e2e/contribute_errors.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

# refused NAME CODE STDERR ARGS...: runs contribute in the current directory; checks the exit
# code, that stdout is empty, the exact stderr, and that nothing changed.
refused() {
  local name=$1 want_code=$2 want_err=$3
  shift 3
  local before
  before=$(snapshot)
  run_persona contribute "$@"
  expect_run "$name" "$want_code" "" "$want_err"
  expect "$name: nothing changed" "$(snapshot)" "$before"
}

# ---- not a git repository ------------------------------------------------------------------
mkdir "$work/plain" && cp -r "$src/library.yaml" "$src/schema" "$src/personas" "$work/plain/"
cd "$work/plain"
before=$(find . -type f -print0 | sort -z | xargs -0 sha1sum)
run_persona contribute APP-153 --confirm aha_moment
expect_run "not a repository" 3 "" "persona: error: not a git repository (or any parent up to /): '$work/plain'
hint: contributions are commits: run this inside a clone of the library"
expect "not a repository: nothing written" "$(find . -type f -print0 | sort -z | xargs -0 sha1sum)" "$before"

# ---- unborn HEAD ----------------------------------------------------------------------------
git init -q -b main
refused "unborn HEAD" 3 "persona: error: the repository has no commits yet (HEAD is the unborn branch 'main')
hint: commit the library first, or name a starting point with --base" APP-153 --confirm aha_moment

new_library "$work/lib"
cd "$work/lib"
file=personas/segment/segment-data-architect.yaml

# ---- usage: the flags ----------------------------------------------------------------------------
refused "no kind" 2 "persona: error: say what to contribute: --confirm, --correct, --extend or --comment
hint: e.g. persona contribute APP-153 --confirm aha_moment" APP-153
refused "two kinds" 2 "persona: error: give only one of --confirm, --correct, --extend and --comment
hint: e.g. persona contribute APP-153 --confirm aha_moment" APP-153 --confirm goals --correct identity
refused "--field without --comment" 2 "persona: error: --field goes with --comment
hint: --confirm, --correct and --extend name their field themselves" APP-153 --confirm goals --field identity
refused "text twice" 2 "persona: error: give the text once: --text or --text-file, not both" \
  APP-153 --comment --text x --text-file y
refused "unknown pid" 2 "persona: error: unknown persona 'APP-15' at the base commit '$(git rev-parse --short=12 HEAD)'
hint: did you mean 'APP-153'?" APP-15 --confirm aha_moment
refused "unknown field" 2 "persona: error: --confirm: unknown field 'aha_momnt'; did you mean 'aha_moment'?
hint: 'persona show PID --fields' lists the field paths" APP-153 --confirm aha_momnt
refused "item out of range" 2 "persona: error: --confirm: 'goals[9]' does not exist: 'APP-153''s 'goals' has 5 items
hint: 'persona show APP-153 --fields' lists the field paths" APP-153 --confirm 'goals[9]'
refused "correct a whole list" 2 "persona: error: --correct: a correction replaces a text field or one list item, and 'goals' is a list
hint: correct one item, e.g. 'goals[1]'; 'persona show PID --fields' numbers them" APP-153 --correct goals --text x
refused "extend one item" 2 "persona: error: --extend: an extension adds to a whole field, not to 'goals[2]'
hint: extend 'goals' to add an item to the list" APP-153 --extend 'goals[2]' --text x
refused "confirm with text" 2 "persona: error: --text: a confirmation takes no text
hint: say what you know in the note; to change the value, correct it instead" APP-153 --confirm identity --text x
refused "correct to the same value" 2 "persona: error: --text: the text is already the value of 'goals[1]'
hint: to agree with it, confirm it instead" APP-153 --correct 'goals[1]' --text "$(value_of APP-153 'goals[1]')"
refused "an email in the note" 2 "persona: error: --note: the note contains an email address
hint: contributions are published: use a display name and no email addresses" APP-153 --confirm identity --note "write to ada@example.org"
refused "an email as the author" 2 "persona: error: --author: the author contains an email address
hint: contributions are published: use a display name and no email addresses" APP-153 --confirm identity --author "ada@example.org"
refused "invalid branch name" 2 "persona: error: 'bad..name' is not a valid branch name
hint: branch names cannot contain spaces, '..', '~', '^', ':', '?', '*', '[' or '\\'" APP-153 --confirm identity --branch bad..name

python3 -c 'print("a" * 70000 + ".")' >"$work/big.txt"
refused "text over the limit" 2 "persona: error: --text: the text is 70001 characters long, over the limit of 8000
hint: shorten it, or make several contributions" APP-153 --correct identity --text-file "$work/big.txt"

# ---- the base does not resolve ------------------------------------------------------------
refused "base does not resolve" 3 "persona: error: the base 'nope' does not resolve to a commit
hint: 'git branch -a' lists the branches; any revision git understands works" APP-153 --confirm identity --base nope

# ---- the branch exists --------------------------------------------------------------------
tgit branch taken
tgit branch taken-2
refused "branch exists" 3 "persona: error: branch 'taken' already exists
hint: choose another name with --branch, e.g. 'taken-3'" APP-153 --confirm identity --branch taken
run_persona contribute APP-153 --confirm identity
made=$(printf '%s\n' "$out" | sed -n 's/^branch: //p')
made_record=$(printf '%s\n' "$out" | sed -n 's/^wrote: //p')
refused "the same contribution twice" 1 "persona: error: this contribution is already recorded as '$made_record' on branch '$made'
hint: 'persona history APP-153 --pending' lists the contributions not merged yet" APP-153 --confirm identity
refused "the same contribution twice, another time" 1 "persona: error: this contribution is already recorded as '$made_record' on branch '$made'
hint: 'persona history APP-153 --pending' lists the contributions not merged yet" APP-153 --confirm identity --branch elsewhere
# Not the same: the branch exists already (same record id, same default name).
refused "the same branch name twice" 3 "persona: error: branch '$made' already exists
hint: choose another name with --branch, e.g. '$made-2'" APP-153 --confirm identity --author "Grace Hopper" --branch "$made"

# ---- lock files: named, never removed ---------------------------------------------------------
# The index is never touched: a held index.lock (a 'git add' running, or left behind) is no
# reason to refuse, and the lock and the index stay as they were.
: >.git/index.lock
index_before=$(sha1sum .git/index)
run_persona contribute APP-153 --confirm goals --branch beside-index-lock
expect "index.lock held: contribute works" "$code" 0
expect "index.lock held: the lock stays" "$(ls .git/index.lock)" ".git/index.lock"
expect "index.lock held: the index is unchanged" "$(sha1sum .git/index)" "$index_before"
rm .git/index.lock
for lock in .git/HEAD.lock .git/packed-refs.lock .git/refs/heads/locked/branch.lock; do
  mkdir -p "$(dirname "$lock")"
  : >"$lock"
  case $lock in
    *HEAD.lock) what="HEAD is locked" ;;
    *packed-refs.lock) what="the packed refs are locked" ;;
    *) what="branch 'locked/branch' is locked" ;;
  esac
  refused "lock $lock" 3 "persona: error: $what: '$work/lib/$lock' exists
hint: another git process seems to be running; if none is, remove the file yourself (persona never removes lock files)" \
    APP-153 --confirm outcome --branch locked/branch
  [[ -f $lock ]] && ok || bad "lock $lock: left in place"
  rm "$lock"
done
rmdir .git/refs/heads/locked

# ---- identity ------------------------------------------------------------------------------
git config --global --unset user.name
refused "no user.name" 3 "persona: error: no name to credit the contribution to: git has no user.name
hint: set it with: git config user.name \"Your Name\" (or pass --author NAME)" APP-153 --confirm identity
git config --global user.name "Ada Lovelace"
before=$(snapshot)
GIT_AUTHOR_DATE=yesterday run_persona contribute APP-153 --confirm identity --branch x
expect_run "bad GIT_AUTHOR_DATE" 2 "" "persona: error: GIT_AUTHOR_DATE 'yesterday' is not a date git understands
hint: e.g. '@1764351000 +0000' or '2026-11-28T17:30:00Z'"
expect "bad GIT_AUTHOR_DATE: nothing changed" "$(snapshot)" "$before"
PERSONA_NOW=soon run_persona contribute APP-153 --confirm identity --branch x
expect_run "bad PERSONA_NOW" 2 "" "persona: error: the time 'soon' is not a UTC time like 2026-11-28T17:30:00Z
hint: PERSONA_NOW sets it for tests; unset it to use the clock"

# ---- the persona does not validate before or after the change ----------------------------------
refused "invalid after the change" 1 "$file:21:33: error: 'identity' stops mid-sentence, after 'jobs' [truncated-text]
 21 |   They also own the reverse ETL jobs
    |                                 ^
  hint: finish the sentence; text fields end with '.', '!' or '?'
persona: error: 'APP-153' would not validate after this change; nothing was written" \
  APP-153 --extend identity --text "They also own the reverse ETL jobs"
refused "a duplicate list item" 1 "$file:40:5: error: 'goals[6]' repeats 'goals[1]' '$(value_of APP-153 'goals[1]' | cut -c1-40)...' [duplicate-item]
 40 |   - $(value_of APP-153 'goals[1]')
    |     ^
persona: error: 'APP-153' would not validate after this change; nothing was written" \
  APP-153 --extend goals --text "$(value_of APP-153 'goals[1]')"
sed -i 's/^version: 1$/version: 0/' "$file"
tgit commit -qam "Break APP-153"
refused "invalid before the change" 1 "$file:12:10: error: 'version' must be greater than 0 [schema-minimum]
 12 | version: 0
    |          ^
persona: error: 'APP-153' does not validate as it is at the base commit; nothing was written" \
  APP-153 --confirm aha_moment
# The base is what counts: a good base works even when HEAD's persona is broken.
run_persona contribute APP-153 --confirm aha_moment --base HEAD~1 --branch from-good-base
expect "a good base with a broken HEAD" "$code" 0

# ---- a repository owned by another user --------------------------------------------------------
if [[ $(id -u) == 0 ]] && id nobody >/dev/null 2>&1; then
  new_library "$work/theirs"
  chown -R nobody "$work/theirs"
  cd "$work/theirs"
  before=$(git -c safe.directory='*' for-each-ref; find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha1sum)
  run_persona contribute APP-153 --confirm aha_moment
  expect_run "owned by another user" 3 "" "persona: error: repository '$work/theirs' is owned by another user
hint: if you trust it, mark it safe: git config --global --add safe.directory $work/theirs"
  expect "owned by another user: nothing changed" \
    "$(git -c safe.directory='*' for-each-ref; find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha1sum)" "$before"
  # safe.directory as git 2.39 reads it from the global configuration: the directory, or '*';
  # an empty value forgets the entries before it.
  mkdir -p "$work/home"
  printf '[safe]\n\tdirectory = *\n' >"$work/home/.gitconfig"
  HOME=$work/home run_persona contribute APP-153 --confirm aha_moment --branch safe-star --author "Ada Lovelace"
  expect "owned by another user: safe.directory=* trusts it" "$code" 0
  printf '[safe]\n\tdirectory = *\n\tdirectory =\n' >"$work/home/.gitconfig"
  HOME=$work/home run_persona contribute APP-153 --confirm aha_moment --branch safe-reset --author "Ada Lovelace"
  expect "owned by another user: an empty safe.directory forgets '*'" "$code" 3
  printf '[safe]\n\tdirectory = %s/\n' "$work/theirs" >"$work/home/.gitconfig"
  HOME=$work/home run_persona contribute APP-153 --confirm aha_moment --branch safe-dir --author "Ada Lovelace"
  expect "owned by another user: marked safe, it works" "$code" 0
  cd "$work/lib"
else
  echo "skipped: the ownership case needs root (to chown a repository to 'nobody')"
fi

git fsck --strict --no-progress >"$work/fsck" 2>&1 && ok || bad "git fsck --strict" "$(cat "$work/fsck")"
finish
