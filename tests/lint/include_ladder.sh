#!/usr/bin/env bash
# The folders of src/ form a ladder and includes only go down it (STYLE.md):
#   core < yaml < schema < library < (git, render, check) < workflow < cli < main.cpp
# A file may include its own folder and any folder on a lower rung. git, render and check share
# a rung: one of them may include another only along the edges listed in SIDEWAYS, which keeps
# the rung free of cycles. Usage: include_ladder.sh SOURCE_DIR
set -euo pipefail
src_root=${1:?usage: include_ladder.sh SOURCE_DIR}

declare -A RANK=([core]=0 [yaml]=1 [schema]=2 [library]=3 [git]=4 [render]=4 [check]=4
                 [workflow]=5 [cli]=6)
SIDEWAYS=" check>git "   # check --base reads the base branch's files through git/

# Prints one line per include that climbs the ladder; exit status 1 when there is one.
violations() {
  local dir=$1 bad=0 file folder target line
  while IFS= read -r file; do
    folder=${file#"$dir"/}
    folder=${folder%%/*}
    [[ -n ${RANK[$folder]+x} ]] || { echo "$file: folder '$folder' is on no rung of the ladder"; bad=1; continue; }
    while IFS=: read -r line target; do
      [[ -n ${RANK[$target]+x} ]] || continue
      [[ $target == "$folder" ]] && continue
      if (( RANK[$target] > RANK[$folder] )) ||
         { (( RANK[$target] == RANK[$folder] )) && [[ $SIDEWAYS != *" $folder>$target "* ]]; }; then
        echo "$file:$line: $folder/ includes $target/, which is not below it"
        bad=1
      fi
    done < <(grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/' "$file" |
             sed -E 's/^([0-9]+):[^"]*"([a-z_]+)\/.*/\1:\2/')
  done < <(find "$dir" -mindepth 2 -name '*.h' -o -mindepth 2 -name '*.cpp' | sort)
  return $bad
}

# The check itself must be able to fail: a tree with one include going up is refused, with the
# exact line.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/core" "$tmp/library" "$tmp/render"
printf '#include "library/library.h"\n' > "$tmp/core/text.cpp"
printf '#include "core/text.h"\n' > "$tmp/library/library.cpp"
printf '#include "check/rules.h"\n' > "$tmp/render/html.cpp"
if out=$(violations "$tmp"); then
  echo "FAIL: a planted upward include was not reported"; exit 1
fi
expected="$tmp/core/text.cpp:1: core/ includes library/, which is not below it
$tmp/render/html.cpp:1: render/ includes check/, which is not below it"
if [[ $out != "$expected" ]]; then
  printf 'FAIL: planted violations reported as\n%s\nexpected\n%s\n' "$out" "$expected"; exit 1
fi

if ! out=$(violations "$src_root/src"); then
  printf 'FAIL: includes that climb the ladder:\n%s\n' "$out"
  exit 1
fi
echo "ok: every include in src/ goes down the ladder"
