#!/usr/bin/env bash
# Canonical output passes Debian's yamllint with the repository's config, and fmt is idempotent
# and keeps every value (checked by parsing before and after with yamllint's own reader, PyYAML).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
py=/usr/bin/python3; [[ -x $py ]] || py=python3  # yamllint brings python3-yaml
command -v yamllint >/dev/null || { echo "FAIL: yamllint is not installed (scripts/deps --test installs it)"; exit 1; }
cp -r "$src/library.yaml" "$src/schema" "$src/personas" "$src/.yamllint.yaml" "$work/"
cd "$work"
# Scramble every file's presentation: reorder keys, flow lists, quoted scalars.
for f in personas/*/*.yaml; do
  $py - "$f" <<'PY'
import sys, yaml, json
p = sys.argv[1]
d = yaml.safe_load(open(p))
items = list(d.items())[::-1]
with open(p, 'w') as out:
    for k, v in items:
        out.write(f"{k}: {json.dumps(v, ensure_ascii=False)}\n")
PY
done
$py -c "import yaml,glob,json; json.dump({f: yaml.safe_load(open(f)) for f in sorted(glob.glob('personas/*/*.yaml'))}, open('$work/before.json','w'), sort_keys=True)"

set +e
"$persona" fmt --check >/dev/null 2>&1; code=$?
set -e
check_that "fmt --check finds the reordered files" test "$code" = 1
"$persona" fmt >/dev/null
check_that "fmt --check passes after fmt" "$persona" fmt --check
check_that "yamllint passes the canonical files" yamllint -s -c .yamllint.yaml personas/
$py -c "import yaml,glob,json; json.dump({f: yaml.safe_load(open(f)) for f in sorted(glob.glob('personas/*/*.yaml'))}, open('$work/after.json','w'), sort_keys=True)"
check_that "fmt keeps every value" cmp -s "$work/before.json" "$work/after.json"
# Canonical form is the committed form.
for f in personas/*/*.yaml; do check_that "$f is the committed canonical form" cmp -s "$f" "$src/$f"; done
check_that "the library validates after fmt" "$persona" validate
finish
