#!/usr/bin/env bash
# The one helper library of the end-to-end suites (not a suite: CMakeLists.txt leaves lib.sh
# out). Every tests/e2e/*.sh starts with
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"; suite_start "$@"
# suite_start PERSONA SRC sets $persona (the binary), $src (the source tree) and $work (a
# throwaway directory, removed at exit unless KEEP is set).
#
# Assertions count into $pass and $fail; finish prints "N passed, N failed" and fails the suite
# when any failed:
#   ok                          a passed assertion
#   bad NAME [DETAIL]           a failed one, printed with its detail indented
#   expect NAME ACTUAL EXPECTED exact comparison (a diff on failure)
#   check_that NAME CMD...      CMD succeeds
#   run_persona ARGS...         runs the binary (stdin from $STDIN_FILE or /dev/null); sets $out,
#                               $err and $code; a crash (exit >= 128) always fails
#   expect_run NAME CODE STDOUT STDERR   the last run_persona's results, exactly
#   new_library DIR             a git repository of the bundled library, committed on 'main'
#                               (with the suite's own tgit, which fixes author and clock)

suite_start() {
  set -euo pipefail
  persona=$(realpath "$1")
  src=$(cd "$2" && pwd)
  work=$(mktemp -d)
  if [[ -n ${KEEP:-} ]]; then
    trap 'echo "kept $work"' EXIT
  else
    trap 'rm -rf "$work"' EXIT
  fi
  pass=0 fail=0
}

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [[ -n "${2:-}" ]] && printf '%s\n' "$2" | sed 's/^/    /'; return 0; }

expect() {
  if [[ "$2" == "$3" ]]; then ok; else bad "$1" "$(diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") | head -40)"; fi
}

check_that() {
  local name=$1
  shift
  if "$@"; then ok; else bad "$name"; fi
}

run_persona() {
  local o e
  o=$(mktemp -p "$work") e=$(mktemp -p "$work")
  set +e
  "$persona" "$@" <"${STDIN_FILE:-/dev/null}" >"$o" 2>"$e"
  code=$?
  set -e
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
  if ((code >= 128)); then bad "persona $* crashed (exit $code)" "$err"; fi
  return 0
}

expect_run() {
  expect "$1: exit code" "$code" "$2"
  expect "$1: stdout" "$out" "$3"
  expect "$1: stderr" "$err" "$4"
}

new_library() {
  mkdir -p "$1"
  cp -r "$src/library.yaml" "$src/schema" "$src/personas" "$1/"
  (cd "$1" && git init -q -b main && git add -A && tgit commit -q -m "The library")
}

finish() {
  echo "$(basename "$0" .sh): $pass passed, $fail failed"
  ((fail == 0))
}
