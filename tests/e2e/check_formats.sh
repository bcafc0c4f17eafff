#!/usr/bin/env bash
# `persona check` output formats: text (source excerpt), json (validate's document), github
# (annotations in GitHub's syntax, at most 10 errors and 10 warnings, the full table appended to
# $GITHUB_STEP_SUMMARY), sarif (valid against the SARIF 2.1.0 schema), and --output FILE.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"
unit_tests=$(dirname "$persona")/persona_unit_tests
annotation='^::(error|warning|notice)( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::.*$'

checked() {
  echo $(( $(find personas -name '*.yaml' | wc -l) + $(find contributions -name '*.yaml' 2>/dev/null | wc -l) + 1 ))
}
# every_line_annotates TEXT: each line is a workflow command in GitHub's syntax.
every_line_annotates() {
  local line bad_lines=""
  while IFS= read -r line; do
    [[ "$line" =~ $annotation ]] || bad_lines+="$line"$'\n'
  done <<<"$1"
  expect "$2: every line is an annotation" "$bad_lines" ""
}

# A pull request with one error (a record whose hash is wrong) and one warning (two personas).
new_library "$work/lib"
cd "$work/lib"
git checkout -q -b pr
rec=$(make_record APP-153 correct outcome "Success is quiet and nobody asks where the data came from." --hash 0123456789012345678901234567890123456789)
make_record APP-154 confirm aha_moment "" >/dev/null
commit_all "Two contributions"
id=$(basename "$rec" .yaml | cut -d- -f2)
judged="judged the change from $(short main) (merge base with 'main') to HEAD $(short HEAD): 3 files changed"
n=$(checked)

run_persona check --base main
expect_run "text" 1 "$rec: warning: this change touches 2 personas ('APP-153' and 'APP-154') [multiple-personas]
  hint: one persona per pull request keeps review simple; split it unless it belongs together
$rec:9:1: error: value_hash of correction $id is not the hash of the value of 'outcome' this change started from [record-hash]
 9 | value_hash: \"0123456789012345678901234567890123456789\"
   | ^
  hint: records are written by 'persona contribute', which hashes the value it changes" \
"$judged
1 error and 1 warning in 1 file ($n files checked)"

run_persona check --base main --format json
expect_run "json" 1 "{
  \"version\": 1,
  \"files_checked\": $n,
  \"errors\": 1,
  \"warnings\": 1,
  \"diagnostics\": [
    {
      \"file\": \"$rec\",
      \"line\": 0,
      \"column\": 0,
      \"severity\": \"warning\",
      \"code\": \"multiple-personas\",
      \"message\": \"this change touches 2 personas ('APP-153' and 'APP-154')\",
      \"hint\": \"one persona per pull request keeps review simple; split it unless it belongs together\"
    },
    {
      \"file\": \"$rec\",
      \"line\": 9,
      \"column\": 1,
      \"severity\": \"error\",
      \"code\": \"record-hash\",
      \"message\": \"value_hash of correction $id is not the hash of the value of 'outcome' this change started from\",
      \"hint\": \"records are written by 'persona contribute', which hashes the value it changes\"
    }
  ]
}" ""

# json is validate's document: the same shape for the same problems.
run_persona validate --format json
expect "validate --format json has the same keys" "$(printf '%s' "$out" | python3 -c 'import json,sys; print(list(json.load(sys.stdin)))')" \
  "['version', 'files_checked', 'errors', 'warnings', 'diagnostics']"

run_persona check --base main --format github
expect_run "github" 1 "::warning file=$rec,title=persona multiple-personas::this change touches 2 personas ('APP-153' and 'APP-154') (one persona per pull request keeps review simple; split it unless it belongs together)
::error file=$rec,line=9,col=1,title=persona record-hash::value_hash of correction $id is not the hash of the value of 'outcome' this change started from (records are written by 'persona contribute', which hashes the value it changes)" \
"$judged
1 error and 1 warning in 1 file ($n files checked)"
every_line_annotates "$out" "github"

summary=$work/step-summary.md
printf '### An earlier step\n\n' >"$summary"
GITHUB_STEP_SUMMARY=$summary run_persona check --base main --format github
expect "github with a step summary: exit code" "$code" 1
expect "step summary appended" "$(cat "$summary")" "### An earlier step

### persona check against main

1 error and 1 warning in 1 file ($n files checked)

| | File | Line | Rule | Problem |
| --- | --- | ---: | --- | --- |
| warning | $rec |  | \`multiple-personas\` | this change touches 2 personas ('APP-153' and 'APP-154')<br>hint: one persona per pull request keeps review simple; split it unless it belongs together |
| error | $rec | 9 | \`record-hash\` | value_hash of correction $id is not the hash of the value of 'outcome' this change started from<br>hint: records are written by 'persona contribute', which hashes the value it changes |"
# Other formats leave the step summary alone.
before=$(cat "$summary")
GITHUB_STEP_SUMMARY=$summary run_persona check --base main
expect "text format leaves the step summary alone" "$(cat "$summary")" "$before"
# An unwritable summary is an I/O error.
GITHUB_STEP_SUMMARY=$work/no/such/dir/summary.md run_persona check --base main --format github
expect "unwritable step summary: exit code" "$code" 3
expect "unwritable step summary: message" "$(printf '%s\n' "$err" | tail -1)" \
  "persona: error: cannot append to '$work/no/such/dir/summary.md' (\$GITHUB_STEP_SUMMARY): No such file or directory"

# SARIF, written with --output: valid SARIF 2.1.0, with rules, levels and locations.
run_persona check --base main --format sarif --output "$work/check.sarif"
expect_run "sarif to a file" 1 "" ""
# Exactly one test case must run and pass: a renamed case would otherwise select none and "pass".
if PERSONA_SARIF_FILE="$work/check.sarif" "$unit_tests" --no-skip --test-case='sarif file from PERSONA_SARIF_FILE*' >"$work/unit.log" 2>&1 &&
   grep -qE 'test cases: +1 \| +1 passed \| +0 failed' "$work/unit.log"; then ok; else bad "sarif output is not valid SARIF 2.1.0 (or the unit test case did not run)" "$(cat "$work/unit.log")"; fi
expect "sarif results" "$(python3 - "$work/check.sarif" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0"
run = log["runs"][0]
rules = run["tool"]["driver"]["rules"]
print(run["tool"]["driver"]["name"], run["columnKind"])
for r in run["results"]:
    loc = r["locations"][0]["physicalLocation"]
    rule = rules[r["ruleIndex"]]
    print(r["ruleId"], rule["id"], r["level"], rule["defaultConfiguration"]["level"],
          loc["artifactLocation"]["uri"], loc.get("region", {}).get("startLine", "-"),
          rule["shortDescription"]["text"])
PY
)" "persona unicodeCodePoints
multiple-personas multiple-personas warning warning $rec - A pull request touches one persona.
record-hash record-hash error error $rec 9 A record's value_hash is the hash of the value the change started from."

# A clean change: empty results, still valid; exit 0.
git checkout -q -b clean main
make_record APP-153 confirm aha_moment "" >/dev/null
commit_all "One confirmation"
run_persona check --base main --format sarif
expect "clean sarif: exit code" "$code" 0
printf '%s\n' "$out" >"$work/clean.sarif"
if PERSONA_SARIF_FILE="$work/clean.sarif" "$unit_tests" --test-case='sarif file from PERSONA_SARIF_FILE*' >"$work/unit.log" 2>&1; then ok; else bad "clean sarif output is not valid SARIF 2.1.0" "$(cat "$work/unit.log")"; fi
expect "clean sarif has no results" "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["results"])')" "[]"
run_persona check --base main --format github
expect_run "clean github" 0 "" "judged the change from $(short main) (merge base with 'main') to HEAD $(short HEAD): 1 file changed
$(checked) files checked, no problems"
GITHUB_STEP_SUMMARY=$work/clean.md run_persona check --base main --format github
expect "clean step summary" "$(cat "$work/clean.md")" "### persona check against main

$(checked) files checked, no problems"

# --- GitHub's limits: 11 errors and 11 warnings give 10 + 10 annotations and a notice ---------
git checkout -q main
# The ten text fields; every value below is also a job story, so jtbd takes it too.
fields=(identity intention outcome scenario context composability aha_moment jtbd success_signal churn_trigger)
git checkout -q -b many
for f in "${fields[@]}"; do make_record APP-153 confirm "$f" "" >/dev/null; done
for f in "${fields[@]}"; do set_field APP-154 "$f" "When I rewrite the $f by hand, I want to skip the records, so the gate must notice."; done
make_record APP-154 correct "goals[1]" "Grow the trial-to-paid rate with evidence, not hunches." --hash 0123456789012345678901234567890123456789 >/dev/null
commit_all "Confirm ten old values; edit another persona by hand"
git checkout -q main
for f in "${fields[@]}"; do set_field APP-153 "$f" "When I change the $f on main, I want to move on, so the old confirmations go stale."; done
commit_all "Main rewrites ten fields"
git checkout -q many
run_persona check --base main --format github
expect "many: exit code" "$code" 1
every_line_annotates "$out" "many"
expect "many: error annotations" "$(grep -c '^::error ' <<<"$out")" 10
expect "many: warning annotations" "$(grep -c '^::warning ' <<<"$out")" 10
expect "many: the rest in a notice" "$(tail -1 <<<"$out")" \
  "::notice title=persona::2 more problems not annotated (GitHub shows at most 10 errors and 10 warnings per step)"
expect "many: summary line" "$(tail -1 <<<"$err")" "11 errors and 11 warnings in 12 files ($(checked) files checked)"
GITHUB_STEP_SUMMARY=$work/many.md run_persona check --base main --format github
expect "many: the step summary has every problem" "$(grep -c '^| \(error\|warning\) |' "$work/many.md")" 22
run_persona check --base main --format json
expect "many: json has every problem" "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["errors"], d["warnings"], len(d["diagnostics"]))')" "11 11 22"

# --- usage and output errors ------------------------------------------------------------------
run_persona check --format xml
expect_run "unknown format" 2 "" "persona: error: --format: xml not in {text,json,github,sarif}
hint: run 'persona --help' or 'persona COMMAND --help'"
run_persona check --output "$work/no/such/dir/out.txt"
expect "unwritable --output: exit code" "$code" 3

finish
