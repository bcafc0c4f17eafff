#!/usr/bin/env bash
# The README's rule-code table lists exactly the rules of the code's one catalogue
# (check/rules.cpp, as the SARIF output's rules carry it), and every code a CLI case's expected
# output shows is in that catalogue.
set -euo pipefail
persona=$(realpath "$1")
src=$(cd "$2" && pwd)
fail=0

catalogue=$(cd "$src" && "$persona" check --format sarif | python3 -c '
import json, sys
for r in json.load(sys.stdin)["runs"][0]["tool"]["driver"]["rules"]:
    print(r["id"])' | sort -u)
[[ $(wc -l <<<"$catalogue") -ge 40 ]] || { echo "FAIL: the catalogue read from SARIF is too short:"; echo "$catalogue"; exit 1; }

# The first column of every row of the table after "Rule codes are stable:".
readme=$(python3 - "$src/README.md" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
table = text[text.index("Rule codes are stable:"):]
table = table[table.index("| code |"):]
table = table[:table.index("\n\n")]
codes = set()
for row in table.splitlines()[2:]:
    first = row.split("|")[1]
    codes.update(re.findall(r"`([a-z][a-z0-9-]*)`", first))
print("\n".join(sorted(codes)))
PY
)

missing=$(comm -23 <(echo "$catalogue") <(echo "$readme"))
unknown=$(comm -13 <(echo "$catalogue") <(echo "$readme"))
if [[ -n $missing ]]; then echo "FAIL: rules the README's table does not list:"; echo "$missing"; fail=1; fi
if [[ -n $unknown ]]; then echo "FAIL: codes in the README's table that are no rule:"; echo "$unknown"; fail=1; fi

# Every code the CLI cases expect to see printed ("... [code]" or "code": in JSON) is a rule.
seen=$(find "$src/tests/cli/cases" -path '*/expected/*' -type f -exec cat {} + |
       grep -oE '\[[a-z]+(-[a-z0-9]+)+\]$|"code": "[a-z]+(-[a-z0-9]+)*"' |
       sed -E 's/^\[//; s/\]$//; s/^"code": "//; s/"$//' | sort -u || true)
stray=$(comm -13 <(echo "$catalogue") <(echo "$seen"))
if [[ -n $stray ]]; then echo "FAIL: codes printed by CLI cases that the catalogue lacks:"; echo "$stray"; fail=1; fi

(( fail == 0 )) && echo "ok: $(wc -l <<<"$catalogue") rules, the README lists each, the CLI cases print no other"
exit $fail
