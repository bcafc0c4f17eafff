#!/usr/bin/env bash
# Differential test of the JSON Schema verdicts: ajv (draft-07) and `persona validate` judge the
# same files, and must agree on every one. The files: the bundled library (library.yaml and
# personas/) and the mutations tests/differential/corpus.js derives from the persona schema in
# the tree (at least 100: each wrong type, each missing field, unknown keys, strings at and over
# their maxLength, empty lists, integral floats, Unicode edges against each pattern).
#
#   bash tests/e2e/schema_ajv.sh PERSONA_BINARY SOURCE_DIR
#
# Needs, and fails without (it never skips):
#   apt-get install -y nodejs npm
#   npm ci --prefix tests/differential       (scripts/test does it)
# Any intentional difference between persona and the JSON Schema specification is a library rule
# with its own code (listed in the README), never a verdict of the schema.
set -euo pipefail

persona=$(realpath "$1")
src=$(realpath "$2")
here=$src/tests/differential

missing=()
command -v node >/dev/null || missing+=("node (apt-get install -y nodejs)")
for package in ajv yaml; do
  [[ -f $here/node_modules/$package/package.json ]] ||
    missing+=("$package (npm ci --prefix tests/differential)")
done
if ((${#missing[@]})); then
  echo "schema_ajv: cannot run, missing:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  echo "schema_ajv: 0 passed, 1 failed"
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lib=$work/library
mkdir -p "$lib"
cp "$src/library.yaml" "$lib/"
cp -R "$src/personas" "$lib/personas"
[[ -d $src/contributions ]] && cp -R "$src/contributions" "$lib/contributions"

generated=$lib/personas/zz-generated
count=$(node "$here/corpus.js" "$src" "$generated")
echo "schema_ajv: $count generated files"

# Exit 1 only says that problems were found; 2 and 3 are failures of the run.
status=0
PERSONA_CACHE=off "$persona" --repo "$lib" --schema "$src/schema/persona.schema.json" \
  validate --format json >"$work/persona.json" 2>"$work/persona.err" || status=$?
if ((status > 1)); then
  echo "schema_ajv: persona validate exited $status:" >&2
  cat "$work/persona.err" >&2
  echo "schema_ajv: 0 passed, 1 failed"
  exit 1
fi

node "$here/judge.js" "$src" "$lib" "$work/persona.json" "$generated"
