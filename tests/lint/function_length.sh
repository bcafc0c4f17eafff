#!/usr/bin/env bash
# Functions in src/ stay under 80 lines and files under 600 (STYLE.md); a longer function says
# why it is one piece in a comment starting "One piece:" just above it. Usage:
# function_length.sh SOURCE_DIR
set -euo pipefail
src_root=${1:?usage: function_length.sh SOURCE_DIR}

check() {
  python3 - "$1" <<'PY'
import glob, re, sys
root = sys.argv[1]
bad = []
for f in sorted(glob.glob(root + "/**/*.cpp", recursive=True) + glob.glob(root + "/**/*.h", recursive=True)):
    lines = open(f, encoding="utf-8").read().split("\n")
    rel = f[len(root) + 1:]
    if len(lines) - 1 > 600:
        bad.append(f"{rel}: {len(lines) - 1} lines (at most 600)")
    i = 0
    while i < len(lines):
        m = re.match(r"^( {0,2})[A-Za-z_~][^;]*\(", lines[i])
        starts = ("if", "for", "while", "switch", "return", "//", "namespace", "struct", "class",
                  "enum", "case", "else", "using", "template", "static_assert", "}")
        if m and not lines[i].lstrip().startswith(starts):
            j = i
            while j < len(lines) and not lines[j].rstrip().endswith("{") and ";" not in lines[j]:
                j += 1
            if j < len(lines) and lines[j].rstrip().endswith("{") and ";" not in lines[j]:
                indent = m.group(1)
                k = j + 1
                while k < len(lines) and not re.match("^" + indent + r"\}", lines[k]):
                    k += 1
                n = k - i + 1
                above = "\n".join(lines[max(0, i - 12):i])
                if n > 80 and "One piece:" not in above:
                    bad.append(f"{rel}:{i + 1}: {lines[i].strip()[:60]}... is {n} lines "
                               "(at most 80, or a comment \"One piece: why\" above it)")
                i = k
        i += 1
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}

# The check must be able to fail: a planted long function and a long file are reported.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/core"
{
  echo "int long_one(int x) {"
  for i in $(seq 1 85); do echo "  x += $i;"; done
  echo "  return x;"
  echo "}"
  echo "// One piece: a table."
  echo "int fine(int x) {"
  for i in $(seq 1 85); do echo "  x += $i;"; done
  echo "  return x;"
  echo "}"
  for i in $(seq 1 450); do echo "// filler"; done
} > "$tmp/core/planted.cpp"
if out=$(check "$tmp"); then echo "FAIL: a planted long function was not reported"; exit 1; fi
expected='core/planted.cpp: 627 lines (at most 600)
core/planted.cpp:1: int long_one(int x) {... is 88 lines (at most 80, or a comment "One piece: why" above it)'
if [[ $out != "$expected" ]]; then printf 'FAIL: planted problems reported as\n%s\nexpected\n%s\n' "$out" "$expected"; exit 1; fi

if ! out=$(check "$src_root/src"); then
  printf 'FAIL: functions or files too long:\n%s\n' "$out"
  exit 1
fi
echo "ok: every function in src/ is under 80 lines or says why it is one piece; every file under 600"
