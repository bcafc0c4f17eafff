#!/usr/bin/env bash
# Hostile contributors, tried as an attacker would (issue 13): a name with a line break cannot
# forge a commit header, a key with a newline cannot forge a CI annotation, and no control or
# bidi character from a file or a request reaches the terminal; the strings come from the
# shared set tests/data/hostile-strings.json.
#   bash tests/e2e/hostile.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

# hostile NAME: one string of the shared set.
hostile() {
  python3 -c 'import json, sys
for h in json.load(open(sys.argv[1])):
    if h["name"] == sys.argv[2]: sys.stdout.write(h["text"])' "$src/tests/data/hostile-strings.json" "$1"
}
# visible TEXT: fails the test when TEXT holds a byte or character a terminal would act on.
visible() {
  if python3 -c 'import sys
t = sys.stdin.buffer.read().decode("utf-8", "replace")
bad = [c for c in t if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f or
       ord(c) in (0x61c, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x2060, 0xfeff) or
       0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069]
sys.exit(1 if bad else 0)' <<<"$2"; then ok; else bad "$1: a control or bidi character reached the terminal" "$(printf '%q' "$2" | head -c 400)"; fi
}
state() { git for-each-ref; git status --porcelain; }

new_library "$work/lib"
cd "$work/lib"

# ---- a name that forges a commit header ------------------------------------------------------
before=$(state)
run_persona contribute APP-153 --confirm identity --author "$(hostile newline)"
expect_run "--author with a newline" 2 "" "persona: error: --author: the name is more than one line
hint: give the name to credit on one line, without control characters, in at most 100 characters"
run_persona contribute APP-153 --confirm identity --author "Eve$(hostile 'bidi override')"
expect_run "--author with a bidi override" 2 "" "persona: error: --author: the name holds the invisible control character U+202E
hint: give the name to credit on one line, without control characters, in at most 100 characters"
run_persona contribute APP-153 --confirm identity --author "$(printf 'a%.0s' $(seq 101))"
expect_run "--author of 101 characters" 2 "" "persona: error: --author: the name is 101 characters long, over the limit of 100
hint: give the name to credit on one line, without control characters, in at most 100 characters"
git config user.name "$(printf 'Eve\nencoding UTF-7')"
GIT_AUTHOR_NAME= run_persona contribute APP-153 --confirm identity
expect_run "user.name with a newline" 2 "" "persona: error: the author name 'Eve\\nencoding UTF-7' cannot be published: the name is more than one line
hint: give the name to credit on one line, without control characters (--author NAME, or git config user.name)"
git config --unset user.name
GIT_COMMITTER_NAME=$'Mallory\n\nForged' run_persona contribute APP-153 --confirm identity --author Ada
expect_run "a committer name with a newline" 2 "" "persona: error: the committer name 'Mallory\\n\\nForged' cannot go into a commit: it holds a line break or control character
hint: give it on one line, without control characters or angle brackets"
expect "refused names: nothing written" "$(state)" "$before"

# The issue form's "Name to credit" reaches the same rule through apply.
printf '### Persona id\n\nAPP-153\n\n### Kind of contribution\n\nconfirm\n\n### Field\n\nidentity\n\n### Name to credit\n\nEve\xe2\x80\xae\n' >"$work/form.md"
run_persona apply "$work/form.md"
expect "apply: a hostile name to credit: exit" "$code" 2
expect "apply: a hostile name to credit" "$(head -1 <<<"$err")" \
  "$work/form.md:15:1: error: the name holds the invisible control character U+202E [request-author]"
visible "apply: the hostile name" "$err"
expect "refused requests: nothing written" "$(state)" "$before"

# A hostile text or note is kept exactly in the record, and shows escaped in the commit.
run_persona contribute APP-153 --comment --field identity --text "$(hostile 'bidi override') and $(hostile 'bidi marks')" \
  --note "$(hostile 'script end')" --author Ada --branch hostile-text
expect "a hostile comment is recorded" "$code" 0
visible "git log of a hostile comment" "$(git log -1 --format=%B hostile-text)"
record=$(git show --name-only --format= hostile-text | grep '^contributions/')
visible "the record file of a hostile comment" "$(git show "hostile-text:$record")"
git fsck --strict --no-progress >"$work/fsck" 2>&1 && ok || bad "git fsck --strict" "$(cat "$work/fsck")"
run_persona contribute APP-153 --comment --text "$(hostile 'escape sequence')" --author Ada
expect_run "a control character in a text" 2 "" "persona: error: --text: the text holds a control character U+001B
hint: write it without control characters"

# ---- a record already in the repository with a hostile author --------------------------------------
git checkout -q hostile-text
python3 - "$record" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().replace("author: Ada", 'author: "Ada\\u202e evE"')
open(p, "w").write(s)
EOF
run_persona validate "$record"
expect "a record's hostile author: exit" "$code" 1
expect "a record's hostile author" "$(grep -c 'record-author' <<<"$out")" 1
visible "validate of a hostile record" "$out"
git checkout -q -- . && git checkout -q main

# ---- a key that forges a workflow command ------------------------------------------------------
mkdir -p personas/forged
printf 'pid: APP-900\n"x\\n::error file=README.md,line=1::INJECTED": 1\n"\\u202eevil": 2\n' >personas/forged/forged.yaml
run_persona validate personas/forged/forged.yaml
expect "forged key: exit" "$code" 1
if grep -q '^::' <<<"$out"; then bad "text output starts a line with '::'" "$out"; else ok; fi
expect "forged key: shown escaped" "$(grep -c "unknown field 'x\\\\n::error file=README.md,line=1::INJECTED'" <<<"$out")" 1
visible "validate text of hostile keys" "$out"
run_persona validate personas/forged/forged.yaml --format github
expect "github: one line per problem, each a command of ours" \
  "$(grep -c '^::error file=personas/forged/forged.yaml,line=[0-9]*,col=[0-9]*,title=persona schema' <<<"$out")" "$(wc -l <<<"$out")"
expect "github: the forged key escaped" "$(grep -c "unknown field 'x%5Cn::error file=README.md,line=1::INJECTED'\|unknown field 'x\\\\n::error" <<<"$out")" 1
visible "validate github of hostile keys" "$out"
rm -r personas/forged

# ---- a persona with hostile text, shown on a terminal ---------------------------------------------
file=personas/segment/segment-data-architect.yaml
python3 - "$file" "$src/tests/data/hostile-strings.json" <<'EOF'
import json, sys
path, fixture = sys.argv[1:]
hostile = {h["name"]: h["text"] for h in json.load(open(fixture))}
s = open(path).read()
text = hostile["bidi override"] + " " + hostile["zero width"] + " " + hostile["line separator"] + "."
s = s.replace("context: |-\n", "context: " + json.dumps("Said " + text) + "\nold_context: |-\n", 1)
open(path, "w").write(s)
EOF
python3 - "$file" <<'EOF'
import sys, re
p = sys.argv[1]
s = open(p).read()
# drop the old context block that the line above renamed
s = re.sub(r"\nold_context: \|-\n(  .*\n)+", "\n", s)
open(p, "w").write(s)
EOF
run_persona validate "$file"
expect "the hostile persona validates" "$code" 0
for args in "show APP-153" "show APP-153 --fields" "list" "history APP-153"; do
  run_persona $args
  expect "$args: exit" "$code" 0
  visible "$args" "$out"
done
run_persona show APP-153
expect "show: escaped, not dropped" "$(grep -c 'Said access\\u{202E}\\u{2066}// check' <<<"$out")" 1
git checkout -q -- .

# ---- a hostile branch name ---------------------------------------------------------------------
run_persona contribute APP-153 --confirm identity --author Ada --branch "$(printf 'x\n::error::y')"
expect_run "a branch name with a newline" 2 "" "persona: error: 'x\\n::error::y' is not a valid branch name
hint: branch names cannot contain spaces, '..', '~', '^', ':', '?', '*', '[' or '\\'"
visible "the refused branch name" "$err"

finish
