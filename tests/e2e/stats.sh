#!/usr/bin/env bash
# `persona stats`: per persona and per field, confirmations of the current value (and of earlier
# ones), corrections, the age of the last activity, the fields nobody touched, and the library's
# validation coverage; as text and as JSON.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"  # PERSONA_NOW=2026-11-28T12:00:00Z

new_library "$work/lib"
cd "$work/lib"
personas=$(find personas -name '*.yaml' | wc -l)
fields=$((personas * 14))

run_persona stats
expect "no records: exit code" "$code" 0
expect "no records: header" "$(head -2 <<<"$out")" "Validation coverage: 0 of $fields fields (0.0%) have a confirmation of their current value
0 contributions from 0 contributors; $fields of $fields fields have no activity yet"
expect "no records: every persona untouched" "$(grep -c '^  no activity on any field yet$' <<<"$out")" "$personas"

make_record APP-153 confirm outcome "" --author "Ada Lovelace" --time 2026-11-10T09:00:00Z >/dev/null
make_record APP-153 correct outcome "Success is quiet: nobody asks where the numbers came from." --author "Grace Hopper" --time 2026-11-12T09:00:00Z >/dev/null
make_record APP-153 confirm aha_moment "" --author "Ada Lovelace" --time 2026-11-20T09:00:00Z >/dev/null
make_record APP-153 confirm aha_moment "" --author "Grace Hopper" --time 2026-11-21T09:00:00Z >/dev/null
make_record APP-153 correct "goals[2]" "Block malformed events before they reach the warehouse." --author "Alan Turing" --time 2026-11-27T09:00:00Z >/dev/null
make_record APP-154 comment "" "Reads like my old team." --author "Edsger Dijkstra" --time 2026-11-25T09:00:00Z >/dev/null
run_persona validate
expect "the records validate" "$code" 0

run_persona stats
expect "stats: exit code" "$code" 0
expect "stats: stderr" "$err" ""
expect "stats: header" "$(head -2 <<<"$out")" "Validation coverage: 1 of $fields fields ($(python3 -c "print('%.1f%%' % (100 / $fields))")) have a confirmation of their current value
6 contributions from 4 contributors; $((fields - 3)) of $fields fields have no activity yet"
# block PID: one persona's lines, from its heading to the blank line after it.
block() { awk -v pid="$1" '$1 == pid {p = 1} p && /^$/ {exit} p' <<<"$out"; }
expect "stats: the data architect" "$(block APP-153)" "APP-153  The Segment Data Architect  (personas/segment/segment-data-architect.yaml)
  1 of 14 fields confirmed, 5 contributions, last activity 1 day ago
  field            confirmed  earlier corrections extensions comments  last activity
  outcome                  0        1           1          0        0  16 days ago
  goals                    0        0           1          0        0  1 day ago
  aha_moment               2        0           0          0        0  7 days ago
  no activity yet: identity, intention, frustrations, worldview, scenario, context, impact, composability, jtbd, success_signal, churn_trigger"
expect "stats: a comment on a whole persona" "$(block APP-154)" "APP-154  The Segment Growth Marketer  (personas/segment/segment-growth-marketer.yaml)
  0 of 14 fields confirmed, 1 contribution, last activity 3 days ago
  no activity on any field yet"
expect "stats: the others untouched" "$(grep -c '^  0 contributions, \|last activity never$' <<<"$out")" "$((personas - 2))"

run_persona stats --format json
expect "json: exit code" "$code" 0
printf '%s\n' "$out" >"$work/stats.json"
expect "json: figures" "$(python3 - "$work/stats.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["version"], d["now"], d["records"], d["contributors"])
c = d["coverage"]
print(c["fields"] // 14, c["confirmed_fields"], c["fields"] - c["untouched_fields"], round(c["ratio"] * c["fields"]))
p = next(p for p in d["personas"] if p["pid"] == "APP-153")
print(p["records"], p["contributors"], p["confirmed_fields"], p["last_activity"], p["age_days"])
for f in p["fields"]:
    if f["field"] in ("outcome", "goals", "aha_moment", "identity"):
        print(f["field"], f["confirmations"], f["earlier_confirmations"], f["corrections"],
              f["extensions"], f["comments"], f["contributors"], f["last_activity"], f["age_days"])
print(" ".join(p["untouched_fields"]))
q = next(p for p in d["personas"] if p["pid"] == "APP-154")
print(q["records"], q["last_activity"], q["age_days"], len(q["untouched_fields"]))
PY
)" "1 2026-11-28T12:00:00Z 6 4
$personas 1 3 1
5 3 1 2026-11-27T09:00:00Z 1
identity 0 0 0 0 0 0 None None
outcome 0 1 1 0 0 2 2026-11-12T09:00:00Z 16
goals 0 0 1 0 0 1 2026-11-27T09:00:00Z 1
aha_moment 2 0 0 0 0 2 2026-11-21T09:00:00Z 7
identity intention frustrations worldview scenario context impact composability jtbd success_signal churn_trigger
1 2026-11-25T09:00:00Z 3 14"

# A confirmation of the new value after a correction counts again.
make_record APP-153 confirm outcome "" --author "Barbara Liskov" --time 2026-11-28T10:00:00Z >/dev/null
run_persona stats
expect "confirmation of the corrected value" "$(block APP-153 | sed -n 2,4p)" "  2 of 14 fields confirmed, 6 contributions, last activity today
  field            confirmed  earlier corrections extensions comments  last activity
  outcome                  1        1           1          0        0  today"

run_persona stats --format yaml
expect_run "unknown format" 2 "" "persona: error: --format: yaml not in {text,json}
hint: run 'persona --help' or 'persona COMMAND --help'"
run_persona --repo "$work/nowhere" stats
expect "not a library: exit code" "$code" 3

finish
