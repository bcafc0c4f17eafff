#!/usr/bin/env bash
# `persona apply FILE|-`: a request as YAML, JSON or the body of the contribution issue form
# makes exactly the branch and commit `persona contribute` makes; bad requests get field-level
# errors (file:line:col) and change nothing.
#   bash tests/e2e/apply.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

new_library "$work/lib"
new_library "$work/ref"
cd "$work/lib"

# same_as NAME CONTRIBUTE_ARGS...: the last run (in $work/lib) made the branch and commit that
# `persona contribute ARGS` makes in the reference copy of the library.
same_as() {
  local name=$1 got
  shift
  got=$out
  expect "$name: exit" "$code" 0
  (cd "$work/ref" && run_persona contribute "$@" && printf '%s\n' "$out" >"$work/ref.out")
  expect "$name: same branch, commit and files as contribute" "$got" "$(cat "$work/ref.out")"
}

# ---- YAML, in the flags' own spelling and with kind + field ---------------------------------------
cat >"$work/correct.yaml" <<'EOF'
# A correction, as the website's "+" button would send it.
pid: APP-153
correct: goals[2]
text: Block or repair malformed events before they reach the warehouse
note: I run Protocols every day
EOF
run_persona apply "$work/correct.yaml"
same_as "yaml" APP-153 --correct 'goals[2]' --text "Block or repair malformed events before they reach the warehouse" \
  --note "I run Protocols every day"

cat >"$work/extend.yml" <<'EOF'
pid: APP-153
kind: extend
field: aha_moment
text: |
  A year later it clicked again, when finance asked for one source of truth.
author: Grace Hopper
branch: grace/aha
EOF
run_persona apply "$work/extend.yml"
same_as "yaml with kind, a block scalar, author and branch" APP-153 --extend aha_moment \
  --text "A year later it clicked again, when finance asked for one source of truth." --author "Grace Hopper" --branch grace/aha

# ---- JSON on standard input -----------------------------------------------------------------
printf '{\n  "pid": "APP-153",\n  "kind": "comment",\n  "field": "identity",\n  "text": "Also analytics engineers.",\n  "note": "Analytics engineer, 2 years"\n}\n' >"$work/comment.json"
STDIN_FILE="$work/comment.json" run_persona apply -
same_as "json on stdin" APP-153 --comment --field identity --text "Also analytics engineers." --note "Analytics engineer, 2 years"

# ---- the issue form's body, as GitHub renders it (CRLF, "_No response_") ----------------------------
printf '%s\r\n' "### Persona id" "" "APP-153" "" "### Kind of contribution" "" "confirm" "" "### Field" "" \
  "aha_moment" "" "### Text" "" "_No response_" "" "### Lived experience" "" \
  "Data engineer at a 40-person SaaS, 3 years on Segment" "" "### Name to credit" "" "_No response_" >"$work/issue.md"
run_persona apply "$work/issue.md" --author "Ada Lovelace"
same_as "issue form" APP-153 --confirm aha_moment --note "Data engineer at a 40-person SaaS, 3 years on Segment" --author "Ada Lovelace"

# Who is credited for an issue: the form's "Name to credit", else --fallback-author (the issue's
# author, as the contribution workflow passes it), and --author over both. Never git's user.name:
# that is the maintainer's, not the contributor's.
run_persona apply "$work/issue.md" --fallback-author octocat --branch fallback
expect "issue form: --fallback-author credits the issue's author" \
  "$code $(git log -1 --format='%an <%ae>' fallback) $(git show fallback --format= -- contributions | grep '^+author:')" \
  "0 octocat <octocat@users.noreply.persona> +author: octocat"
printf '%s\r\n' "### Persona id" "" "APP-153" "" "### Kind of contribution" "" "confirm" "" "### Field" "" \
  "aha_moment" "" "### Name to credit" "" "Grace Hopper" >"$work/named.md"
run_persona apply "$work/named.md" --fallback-author octocat --branch named
expect "issue form: the form's name wins over --fallback-author" "$code $(git log -1 --format=%an named)" "0 Grace Hopper"
run_persona apply "$work/named.md" --fallback-author octocat --author "Alan Turing" --branch overridden
expect "issue form: --author wins over both" "$code $(git log -1 --format=%an overridden)" "0 Alan Turing"
printf 'pid: APP-153\nconfirm: identity\n' >"$work/noauthor.yaml"
run_persona apply "$work/noauthor.yaml" --fallback-author octocat --branch yaml-fallback
expect "yaml: --fallback-author when the request names no one" "$code $(git log -1 --format=%an yaml-fallback)" "0 octocat"
before=$(snapshot)
run_persona apply "$work/issue.md"
expect_run "issue form: no one to credit" 2 "" \
  "persona: error: the issue names no one to credit; give --fallback-author with the issue's author (e.g. their GitHub login)"
expect "issue form: no one to credit: nothing changed" "$(snapshot)" "$before"
run_persona apply "$work/issue.md" --fallback-author "ada@example.org" --dry-run
expect "issue form: --fallback-author is checked as the request's author" "$code $(printf '%s\n' "$err" | head -1)" \
  "2 $work/issue.md: error: the author contains an email address [request-author]"

# The form template's labels are the headings apply reads.
labels=$(python3 -c '
import sys, yaml
form = yaml.safe_load(open(sys.argv[1]))
print("\n".join(i["attributes"]["label"] for i in form["body"] if i["type"] != "markdown"))' "$src/.github/ISSUE_TEMPLATE/contribution.yml")
expect "the issue form's labels" "$labels" "Persona id
Kind of contribution
Field
Text
Lived experience
Name to credit"
expect "the issue form's kinds" "$(python3 -c '
import sys, yaml
form = yaml.safe_load(open(sys.argv[1]))
print(" ".join(o for i in form["body"] if i["type"] == "dropdown" for o in i["attributes"]["options"]))' "$src/.github/ISSUE_TEMPLATE/contribution.yml")" \
  "confirm correct extend comment"

# An issue body with a section the form does not know: a warning, and the request still applies.
printf '### Persona id\n\nAPP-153\n\n### Kind of contribution\n\nComment\n\n### Text\n\nNice work.\n\n### Code of conduct\n\n- [X] I agree\n' >"$work/extra.md"
run_persona apply "$work/extra.md" --dry-run --fallback-author octocat
expect "issue form: an unknown section warns" "$code $(printf '%s\n' "$err" | head -1)" \
  "0 $work/extra.md:13:5: warning: unknown section 'code of conduct' is ignored [request-key]"

# ---- flags override the request --------------------------------------------------------------
tgit tag v1
echo "# later" >>library.yaml && tgit commit -qam "Later"
run_persona apply "$work/correct.yaml" --base v1 --branch from-v1 --author "Alan Turing"
expect "flags: exit" "$code" 0
expect "flags: --base" "$(git rev-parse from-v1^)" "$(git rev-parse v1)"
expect "flags: --author" "$(git log -1 --format=%an from-v1)" "Alan Turing"
before=$(snapshot)
run_persona apply "$work/correct.yaml" --dry-run --branch dry --author "Dorothy Vaughan"
expect "flags: --dry-run" "$code $(printf '%s\n' "$out" | tail -1)" "0 dry run: nothing written"
expect "flags: --dry-run wrote nothing" "$(snapshot)" "$before"
git init -q --bare "$work/remote.git" && git remote add origin "$work/remote.git"
run_persona apply "$work/correct.yaml" --branch pushed --author "Katherine Johnson" --push
expect "flags: --push" "$code $(git -C "$work/remote.git" rev-parse pushed)" "0 $(git rev-parse pushed)"

# ---- bad requests: field-level errors, nothing changed ----------------------------------------------
# bad_request NAME STDERR [CODE [ARGS...]] (request on stdin from $work/bad; ARGS after
# `apply -`): a request with problems exits 2, as contribute does for its flags; a persona that
# would not validate exits 1.
bad_request() {
  local before
  before=$(snapshot)
  STDIN_FILE="$work/bad" run_persona apply - "${@:4}"
  expect_run "$1" "${3:-2}" "" "$2"
  expect "$1: nothing changed" "$(snapshot)" "$before"
}
printf 'pid: APP-153\nconfirm: identity\nauthr: Ada\n' >"$work/bad"
bad_request "unknown key" "<stdin>:3:1: error: unknown key 'authr' [request-key]
 3 | authr: Ada
   | ^
  hint: did you mean 'author'?
persona: error: the request '<stdin>' has problems; nothing was written"
printf 'pid: APP-153\nkind: confrm\nfield: identity\n' >"$work/bad"
bad_request "unknown kind" "<stdin>:2:7: error: unknown kind of contribution 'confrm' [request-kind]
 2 | kind: confrm
   |       ^
  hint: did you mean 'confirm'?
persona: error: the request '<stdin>' has problems; nothing was written"
printf '{"pid": "APP-153", "confirm": "aha_momnt"}\n' >"$work/bad"
bad_request "unknown field (JSON)" "<stdin>:1:31: error: unknown field 'aha_momnt'; did you mean 'aha_moment'? [request-field]
 1 | {\"pid\": \"APP-153\", \"confirm\": \"aha_momnt\"}
   |                               ^
  hint: 'persona show PID --fields' lists the field paths
persona: error: the request '<stdin>' has problems; nothing was written"
printf 'pid: APP-1533\nconfirm: identity\n' >"$work/bad"
bad_request "unknown pid" "<stdin>:1:6: error: unknown persona 'APP-1533' at the base commit '$(git rev-parse --short=12 HEAD)' [request-pid]
 1 | pid: APP-1533
   |      ^
  hint: did you mean 'APP-153'?
persona: error: the request '<stdin>' has problems; nothing was written"
printf 'pid: APP-153\ncorrect: goals[2]\nnote: no text given\n' >"$work/bad"
bad_request "correct without text" "<stdin>: error: a contribution of kind 'correct' needs a text [request-text]
  hint: the text is the new value
persona: error: the request '<stdin>' has problems; nothing was written"
printf 'pid: APP-153\ncomment: true\ntext:\n  - one\n  - two\n' >"$work/bad"
bad_request "a list where text goes" "<stdin>:4:3: error: 'text' must be a string, not a list [request-type]
 4 |   - one
   |   ^
persona: error: the request '<stdin>' has problems; nothing was written"
printf 'pid: APP-153\nconfirm: identity\nkind: correct\n' >"$work/bad"
bad_request "two kinds" "<stdin>:3:1: error: 'kind' conflicts with 'confirm' [request-kind]
 3 | kind: correct
   | ^
  hint: a request is one contribution: one of kind, confirm, correct, extend or comment
persona: error: the request '<stdin>' has problems; nothing was written"
printf '### Persona id\n\nAPP-153\n\n### Kind of contribution\n\nextend\n\n### Field\n\ngoals[2]\n\n### Text\n\nMore.\n' >"$work/bad"
bad_request "issue form: extend one item" "<stdin>:11:1: error: an extension adds to a whole field, not to 'goals[2]' [request-field]
 11 | goals[2]
    | ^
  hint: extend 'goals' to add an item to the list
persona: error: the request '<stdin>' has problems; nothing was written" 2 --fallback-author octocat
printf '### Persona id\n\nAPP-153\n\n### Kind of contribution\n\ncomment\n\n### Text\n\nWrite to ada@example.org\n' >"$work/bad"
bad_request "issue form: an email" "<stdin>:11:1: error: the text contains an email address [request-text]
 11 | Write to ada@example.org
    | ^
  hint: contributions are published: use a display name and no email addresses
persona: error: the request '<stdin>' has problems; nothing was written" 2 --fallback-author octocat
{ printf '### Persona id\n\nAPP-153\n\n### Kind of contribution\n\ncomment\n\n### Text\n\n'; python3 -c 'print("a" * 70000 + ".")'; } >"$work/bad"
bad_request "issue form: text over the limit" "<stdin>:11:1: error: the text is 70001 characters long, over the limit of 8000 [request-text]
 11 | $(printf 'a%.0s' $(seq 160))
    | ^
  hint: shorten it, or make several contributions
persona: error: the request '<stdin>' has problems; nothing was written" 2 --fallback-author octocat
printf 'just some text\n' >"$work/bad"
bad_request "not a request" "<stdin>:1:1: error: the document is a single value; expected a mapping of fields [yaml-root-not-mapping]
 1 | just some text
   | ^
persona: error: the request '<stdin>' has problems; nothing was written"
printf 'pid: APP-153\nextend: identity\ntext: They also own the reverse ETL jobs\n' >"$work/bad"
bad_request "the persona would not validate" "personas/segment/segment-data-architect.yaml:21:33: error: 'identity' stops mid-sentence, after 'jobs' [truncated-text]
 21 |   They also own the reverse ETL jobs
    |                                 ^
  hint: finish the sentence; text fields end with '.', '!' or '?'
persona: error: 'APP-153' would not validate after this change; nothing was written" 1
run_persona apply "$work/missing.yaml"
expect_run "missing file" 3 "" "persona: error: cannot read '$work/missing.yaml': No such file or directory"

git fsck --strict --no-progress >"$work/fsck" 2>&1 && ok || bad "git fsck --strict" "$(cat "$work/fsck")"
expect "the working tree was never touched" "$(git status --porcelain)" ""
finish
