#!/usr/bin/env bash
# clang-tidy with .clang-tidy's checks, every warning an error, over the change under test: the
# C++ files of src/ that HEAD's commit changed (against its first parent) and any uncommitted
# change. PERSONA_TIDY_ALL=1 checks every file of src/ (about 20 CPU-minutes; scripts/lint does
# that). Usage: clang_tidy.sh SOURCE_DIR BUILD_DIR (the build's compile_commands.json).
set -euo pipefail
src=$(cd "${1:?usage: clang_tidy.sh SOURCE_DIR BUILD_DIR}" && pwd)
build=$(cd "${2:?usage: clang_tidy.sh SOURCE_DIR BUILD_DIR}" && pwd)
cd "$src"
command -v clang-tidy >/dev/null || { echo "FAIL: clang-tidy is not installed (scripts/deps --test installs it)"; exit 1; }
[[ -f $build/compile_commands.json ]] || { echo "FAIL: no $build/compile_commands.json"; exit 1; }

# The check must be able to fail: a planted finding is an error.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int* f() { int* p = 0; return p; }\n' > "$tmp/planted.cpp"
if clang-tidy --quiet --config-file="$src/.clang-tidy" "$tmp/planted.cpp" -- -std=c++20 >"$tmp/out" 2>&1; then
  echo "FAIL: clang-tidy accepted a planted finding"; cat "$tmp/out"; exit 1
fi
grep -q 'modernize-use-nullptr' "$tmp/out" || { echo "FAIL: the planted finding was not the one expected"; cat "$tmp/out"; exit 1; }

if [[ ${PERSONA_TIDY_ALL:-} == 1 ]]; then
  mapfile -t files < <(git ls-files -- 'src/*.cpp')
else
  mapfile -t files < <({ git diff-tree -r -m --first-parent --no-commit-id --name-only --diff-filter=AM HEAD -- 'src/*.cpp' 2>/dev/null || true
                         git diff --name-only --diff-filter=AM HEAD -- 'src/*.cpp' 2>/dev/null || true; } | sort -u)
fi
if [[ ${#files[@]} -eq 0 ]]; then
  echo "ok: no C++ file of src/ changed in HEAD's commit or the working tree (PERSONA_TIDY_ALL=1 checks them all)"
  exit 0
fi
jobs=$(nproc 2>/dev/null || echo 2)
if ! printf '%s\n' "${files[@]}" | xargs -P "$jobs" -n 4 clang-tidy --quiet -p "$build" >"$tmp/tidy" 2>&1; then
  echo "FAIL: clang-tidy found problems:"
  grep -E '(warning|error):' "$tmp/tidy" | sort -u
  exit 1
fi
echo "ok: clang-tidy finds nothing in ${#files[@]} files"
