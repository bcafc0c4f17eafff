#!/usr/bin/env bash
# The published persona format: the README's example validates as it is written; `app` is the
# app's name and its folder the one slug rule's; `version` keeps its text; a library in the
# earlier format gets one legacy-format diagnostic per difference and `persona migrate` rewrites
# it word for word; files left out of list/export/stats are counted and named, and
# `export --strict` fails on them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"

# The README's persona example, exactly as the README shows it.
readme_example() {
  awk '/^A persona file, in the Persona Library/{f=1} f&&/^```yaml/{g=1;next} g&&/^```/{exit} g{print}' \
    "$src/README.md"
}

new_library "$work/lib"
cd "$work/lib"
mkdir -p personas/figma
readme_example >personas/figma/figma-design-engineer.yaml
expect "the README's example is a persona" "$(head -1 personas/figma/figma-design-engineer.yaml)" \
  'name: "The Figma Design Engineer"'
run_persona validate
expect_run "the README's example validates" 0 "" "13 files checked, no problems"
run_persona show APP-301 --format json
expect "app is the name as written" "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["app"], d["version"], type(d["worldview"]).__name__, type(d["composability"]).__name__)' <<<"$out")" \
  "Figma 1.0 list str"
run_persona fmt personas/figma/figma-design-engineer.yaml
expect "fmt rewrites the folded blocks" "$code" 0
expect "fmt keeps version's text" "$(grep '^version:' personas/figma/figma-design-engineer.yaml)" "version: 1.0"
run_persona fmt --check
expect_run "fmt is then clean" 0 "" ""
run_persona validate
expect_run "and still validates" 0 "" "13 files checked, no problems"
run_persona render APP-301 --format html
if grep -q '<a class="mention" href="../personas/app-182.html" title="The Figma Design Systems Lead">APP-182</a>' <<<"$out"; then ok; else bad "a pid in composability text links to its persona" "$(grep -o 'APP-182[^<]*' <<<"$out" | head -3)"; fi

# A pid mention in composability that resolves to no persona.
sed -i 's/Works with APP-182/Works with APP-183/' personas/figma/figma-design-engineer.yaml
run_persona validate
expect "composability mentions are checked: exit" "$code" 1
expect "composability mentions are checked" "$(head -1 <<<"$out")" \
  "personas/figma/figma-design-engineer.yaml:33:14: error: 'composability' refers to 'APP-183', which no persona has [unresolved-reference]"
rm personas/figma/figma-design-engineer.yaml

# An app whose name is two words: its folder is the slug; a name that does not start with it.
run_persona new --app "Google Analytics" --name "Growth Analyst" --category analytics
expect_run "new with an app's name" 0 "created personas/google-analytics/google-analytics-growth-analyst.yaml (APP-249)" \
  "next: answer every prompt in the file, then run 'persona validate personas/google-analytics/google-analytics-growth-analyst.yaml' until it is clean"
expect "new writes the app's name" "$(grep -E '^(app|name):' personas/google-analytics/google-analytics-growth-analyst.yaml)" \
  'name: The Google Analytics Growth Analyst
app: Google Analytics'
run_persona new --app linear --name "Triage Lead"
expect "new finds an app by its slug" "$(sed -n 1p <<<"$out")" "created personas/linear/linear-triage-lead.yaml (APP-250)"
expect "and writes the library's spelling" "$(grep -E '^app:' personas/linear/linear-triage-lead.yaml)" "app: Linear"
rm -r personas/google-analytics personas/linear/linear-triage-lead.yaml
sed -i 's/^app: Stripe$/app: Stripe Connect/' personas/stripe/stripe-platform-builder.yaml
run_persona validate personas/stripe/stripe-platform-builder.yaml
expect "a name that does not start with the app" "$(head -1 <<<"$out")" \
  "personas/stripe/stripe-platform-builder.yaml:3:7: error: 'name' 'The Stripe Platform Builder' does not start with 'The' and the app 'Stripe Connect' [name-app-mismatch]"
sed -i 's/^name: The Stripe Platform Builder$/name: The Stripe Connect Platform Builder/' personas/stripe/stripe-platform-builder.yaml
run_persona validate personas/stripe/stripe-platform-builder.yaml
expect "the folder is the app's slug" "$(head -1 <<<"$out")" \
  "personas/stripe/stripe-platform-builder.yaml:3:7: error: file is at 'personas/stripe/stripe-platform-builder.yaml' but its 'app' and 'name' place it at 'personas/stripe-connect/stripe-connect-platform-builder.yaml' [path-mismatch]"
git checkout -q -- personas

# Files left out: counted and named on stderr; --strict fails the export.
sed -i 's/^version: 1$/version: "one"/' personas/clerk/clerk-authentication-developer.yaml
left_out="persona: warning: 1 file is left out because of errors:
  personas/clerk/clerk-authentication-developer.yaml:12:10: 'version' must be a number, not a string [schema-type]
hint: run 'persona validate' to see every problem"
run_persona list --app clerk
expect_run "list names the file it leaves out" 2 "" "$left_out
persona: error: no persona has app 'clerk'
hint: known: Figma, Linear, Notion, PostHog, Segment, Stripe, Vercel"
run_persona stats
expect "stats names it too" "$err" "$left_out"
run_persona export --out "$work/site"
expect "export leaves it out and exits 0" "$code" 0
expect "export names it" "$err" "$left_out"
run_persona export --out "$work/site2" --format json --strict
expect "export --strict exits 1" "$code" 1
expect "export --strict says why" "$err" "$left_out
persona: error: --strict: 1 file was left out of the export"
expect "export --strict still writes the export" "$(ls "$work/site2/personas" | wc -l)" 10
git checkout -q -- personas

# A library in the earlier format: one diagnostic per difference, then `persona migrate`.
cp -r "$src/tests/data/legacy-library" "$work/legacy"
cp -r "$src/schema" "$work/legacy/"
cd "$work/legacy"
run_persona validate personas/segment/segment-data-architect.yaml
expect "legacy: exit code" "$code" 1
# One legacy-format diagnostic per difference; a field of the earlier shape also keeps the
# schema's verdict at the same place, as ajv gives it (tests/e2e/schema_ajv.sh).
expect "legacy: one diagnostic per difference" "$(grep ': error: ' <<<"$out")" \
  "personas/segment/segment-data-architect.yaml:4:6: error: 'app' is the slug 'segment' of the earlier format; the format writes the app's name, 'Segment' [legacy-format]
personas/segment/segment-data-architect.yaml:46:12: error: 'worldview' is text, as in the earlier format; the format makes it a list [legacy-format]
personas/segment/segment-data-architect.yaml:46:12: error: 'worldview' must be a list, not a string [schema-type]
personas/segment/segment-data-architect.yaml:66:9: error: 'impact' is text, as in the earlier format; the format makes it a list [legacy-format]
personas/segment/segment-data-architect.yaml:66:9: error: 'impact' must be a list, not a string [schema-type]
personas/segment/segment-data-architect.yaml:73:3: error: 'composability' is a list, as in the earlier format; the format makes it text [legacy-format]
personas/segment/segment-data-architect.yaml:73:3: error: 'composability' must be a string, not a list [schema-type]"
expect "legacy: each with its fix" "$(grep '  hint: ' <<<"$out")" \
  "  hint: write 'app: Segment', or run 'persona migrate' to convert every file
  hint: run 'persona migrate': each paragraph of the text becomes an item
  hint: run 'persona migrate': each paragraph of the text becomes an item
  hint: run 'persona migrate': the items become bullet lines ('- item') of the text"
run_persona migrate --check personas/segment/segment-data-architect.yaml
expect_run "migrate --check" 1 "personas/segment/segment-data-architect.yaml
  app: 'segment' became 'Segment', the app's name
  worldview: text of 1 paragraph became 1 item (not exact: line breaks inside a paragraph became spaces)
  impact: text of 1 paragraph became 1 item (not exact: line breaks inside a paragraph became spaces)
  composability: 5 items became 5 bullet lines of the text" \
  "1 file is in the earlier persona format; run 'persona migrate' to rewrite it"
expect "migrate --check writes nothing" "$(cmp -s personas/segment/segment-data-architect.yaml "$src/tests/data/legacy-library/personas/segment/segment-data-architect.yaml" && echo same)" same
run_persona migrate
expect "migrate: exit code" "$code" 0
expect "migrate: every file" "$(grep -c '^migrated ' <<<"$out")" 11
expect "migrate: summary" "$err" "11 files migrated; review the change ('git diff'), then run 'persona validate'"
run_persona validate
expect_run "migrated library validates" 0 "" "12 files checked, no problems"
run_persona migrate
expect_run "migrate again: nothing to do" 0 "" ""
run_persona fmt --check
expect_run "migrated files are canonical" 0 "" ""

# Word for word: every field of every migrated persona, and of the bundled library (whose lists
# were split by sentence rather than by paragraph), has the words of the earlier file.
words_of() {
  python3 - "$@" <<'PY'
import re, sys, yaml
for path in sys.argv[1:]:
    d = yaml.safe_load(open(path))
    for k, v in d.items():
        if isinstance(v, list):
            v = " ".join(str(x) for x in v)
        words = re.findall(r"[^\s\-]+", str(v).replace("- ", " "))
        print(path.split("personas/")[-1], k, " ".join(words))
PY
}
before=$(cd "$src/tests/data/legacy-library" && words_of personas/*/*.yaml | grep -v ' app ')
expect "migrate keeps every word" "$(words_of personas/*/*.yaml | grep -v ' app ')" "$before"
expect "the bundled library keeps every word" "$(cd "$src" && words_of personas/*/*.yaml | grep -v ' app ')" "$before"

# A text of several paragraphs, one holding a Markdown list; a list item over two lines.
cat >"$work/loose.yaml" <<'EOF'
name: The Notion Wiki Gardener
app: notion
worldview: |-
  First belief,
  wrapped.

  - a listed belief
  - another
composability:
  - "APP-116: one"
  - |-
    two lines
    of text
EOF
run_persona migrate "$work/loose.yaml"
expect "paragraphs and lists: report" "$out" "migrated $work/loose.yaml
  app: 'notion' became 'Notion', the app's name
  worldview: text of 2 paragraphs became 2 items (not exact: line breaks inside a paragraph became spaces)
  composability: 2 items became 2 bullet lines of the text"
expect "paragraphs and lists: the result" "$(cat "$work/loose.yaml")" 'name: The Notion Wiki Gardener
app: Notion
worldview:
  - First belief, wrapped.
  - |-
    - a listed belief
    - another
composability: |-
  - APP-116: one
  - two lines
    of text'

finish
