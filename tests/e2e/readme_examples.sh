#!/usr/bin/env bash
# Every `persona ...` example of the README runs as written, each in a fresh clone of the bundled
# library (with an origin/main to check against), and exits 0; the two transcripts (`$ persona
# validate` on the README's two mistakes, `$ persona list --app stripe`) are the real output, byte
# for byte; a "# -> NAME, PID" comment is what the command made. The two scripts/ commands at the
# top are what CI itself runs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"

# The library every example starts from: the bundled one, pushed to a bare origin.
new_library "$work/origin-src"
git clone -q --bare "$work/origin-src" "$work/origin.git"
git clone -q "$work/origin.git" "$work/template"
git -C "$work/template" config user.name "Dana Example"
fresh() {
  rm -rf "$work/lib"
  cp -r "$work/template" "$work/lib"
  cd "$work/lib"
}

# The README's examples: each line starting with "persona " in a ```sh block, in order.
# blocks FILE: the README's fenced code blocks as JSON, [{"lang": "sh", "text": "..."}, ...].
blocks() {
  python3 - "$1" <<'PY'
import json, sys
blocks, current = [], None
for line in open(sys.argv[1], encoding="utf-8").read().splitlines():
    if line.startswith("```"):
        if current is None:
            current = {"lang": line[3:].strip(), "text": ""}
        else:
            blocks.append(current)
            current = None
    elif current is not None:
        current["text"] += line + "\n"
print(json.dumps(blocks))
PY
}
readme_blocks=$(blocks "$src/README.md")
mapfile -t examples < <(python3 -c '
import json, sys
for b in json.loads(sys.argv[1]):
    if b["lang"] == "sh":
        for line in b["text"].splitlines():
            if line.startswith("persona "):
                print(line)' "$readme_blocks")
[[ ${#examples[@]} -ge 12 ]] || { echo "FAIL: only ${#examples[@]} examples found in the README"; exit 1; }

# The templates example needs the folder the README says how to start.
grep -q 'mkdir my-templates && cp' "$src/README.md" || bad "the README says how to start my-templates"

for line in "${examples[@]}"; do
  fresh
  command=${line%%#*}
  comment=""
  [[ $line == *"#"* ]] && comment=${line#*# }
  if [[ $command == *"--templates my-templates"* ]]; then
    mkdir my-templates && cp "$src/src/render/templates/persona.mustache" my-templates/
  fi
  eval "set -- ${command#persona }"
  run_persona "$@"
  expect "README: $command: exit code" "$code" 0
  if [[ $comment == "-> "* ]]; then
    made=${comment#-> }
    name=${made%, *} pid=${made##*, }
    if [[ $out == *"($pid)"* ]] && grep -rqx "name: $name" personas; then ok; else
      bad "README: $command: makes $made" "$out"; fi
  fi
done

# The transcripts: "$ persona ARGS" then the output, up to the end of the block.
transcripts=$(python3 -c '
import json, sys
out = []
for b in json.loads(sys.argv[1]):
    if b["lang"] == "" and b["text"].startswith("$ persona "):
        first, _, rest = b["text"].partition("\n")
        out.append({"args": first[len("$ persona "):], "output": rest})
print(json.dumps(out))' "$readme_blocks")
count=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$transcripts")
expect "README: two transcripts" "$count" 2
for i in $(seq 0 $((count - 1))); do
  args=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[int(sys.argv[2])]["args"])' "$transcripts" "$i")
  want=$(python3 -c 'import json,sys; sys.stdout.write(json.loads(sys.argv[1])[int(sys.argv[2])]["output"])' "$transcripts" "$i")
  fresh
  if [[ $args == validate ]]; then
    # The README's two mistakes: a pid no persona has, and a version that is no number.
    sed -i '72s/APP-154/APP-155/' personas/segment/segment-data-architect.yaml
    sed -i 's/^version: 1$/version: one/' personas/stripe/stripe-platform-builder.yaml
    want_code=1
  else
    want_code=0
  fi
  eval "set -- $args"
  o=$("$persona" "$@" 2>&1) && c=0 || c=$?
  expect "README: \$ persona $args: exit code" "$c" "$want_code"
  expect "README: \$ persona $args: output" "$o" "${want%$'\n'}"
done

finish
