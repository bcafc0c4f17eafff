#!/usr/bin/env bash
# Every C++ file of src/ and tests/ is formatted as .clang-format says (clang-format from
# Debian's clang-format package, installed by scripts/deps --test). Usage: clang_format.sh SRC
set -euo pipefail
src=$(cd "${1:?usage: clang_format.sh SOURCE_DIR}" && pwd)
cd "$src"
command -v clang-format >/dev/null || { echo "FAIL: clang-format is not installed (scripts/deps --test installs it)"; exit 1; }

# The check must be able to fail: a badly formatted file is refused.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int  main( ){return 0 ;}\n' > "$tmp/bad.cpp"
if clang-format --style=file:"$src/.clang-format" --dry-run -Werror "$tmp/bad.cpp" 2>/dev/null; then
  echo "FAIL: clang-format accepted a badly formatted file"; exit 1
fi

mapfile -t files < <(git ls-files -- 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 2>/dev/null ||
                     find src tests -name '*.cpp' -o -name '*.h')
if ! out=$(clang-format --dry-run -Werror "${files[@]}" 2>&1); then
  echo "FAIL: files not formatted as .clang-format says (run: clang-format -i FILE):"
  grep -oE '^[^:]+\.(cpp|h)' <<<"$out" | sort -u
  exit 1
fi
echo "ok: ${#files[@]} files formatted as .clang-format says"
