#!/usr/bin/env bash
# Concurrent `persona contribute` runs in one repository: different contributions all succeed on
# their own branches; identical ones (same branch) leave exactly one winner and a clean refusal;
# nothing is corrupted (`git fsck --strict`), and every branch holds what its run reported.
#   bash tests/e2e/contribute_concurrent.sh PERSONA_BINARY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/contribute_helpers.sh"

new_library "$work/lib"
cd "$work/lib"
mkdir "$work/runs"

# start N ARGS...: runs contribute in the background, output in $work/runs/N.{out,err,code}.
start() {
  local n=$1
  shift
  ( set +e; "$persona" contribute "$@" >"$work/runs/$n.out" 2>"$work/runs/$n.err"; echo $? >"$work/runs/$n.code" ) &
}

# ---- two at once, ten rounds; then eight at once -------------------------------------------------
fields=(identity intention outcome worldview scenario context impact aha_moment jtbd success_signal churn_trigger)
n=0
for round in $(seq 1 10); do
  start $((n + 1)) APP-153 --confirm "${fields[round % 11]}" --note "round $round"
  start $((n + 2)) APP-154 --comment --text "Comment $round."
  wait
  n=$((n + 2))
done
for i in $(seq 0 7); do start $((n + 1 + i)) APP-153 --confirm "${fields[i]}" --author "Runner $i"; done
wait
n=$((n + 8))

made=0
for i in $(seq 1 $n); do
  c=$(cat "$work/runs/$i.code")
  if ((c >= 128)); then bad "run $i crashed ($c)" "$(cat "$work/runs/$i.err")"; continue; fi
  if [[ $c == 0 ]]; then
    b=$(sed -n 's/^branch: //p' "$work/runs/$i.out")
    id=$(sed -n 's/^commit: //p' "$work/runs/$i.out")
    expect "run $i: its branch points at its commit" "$(git rev-parse "refs/heads/$b")" "$id"
    made=$((made + 1))
  else
    bad "run $i failed ($c)" "$(cat "$work/runs/$i.err")"
  fi
done
expect "every different contribution made its branch" "$made" "$n"
expect "one branch per run" "$(git for-each-ref refs/heads/contrib | wc -l)" "$n"

# ---- the same contribution four times at once: one branch, the others refused cleanly ----------------
for i in 1 2 3 4; do start "same$i" APP-153 --confirm goals --branch same/branch; done
wait
winners=0
for i in 1 2 3 4; do
  c=$(cat "$work/runs/same$i.code")
  if [[ $c == 0 ]]; then
    winners=$((winners + 1))
  elif [[ $c == 3 ]] && grep -q -e "^persona: error: branch 'same/branch' already exists" \
    -e "^persona: error: branch 'same/branch' is locked" "$work/runs/same$i.err"; then
    ok
  else
    bad "same $i: exit $c" "$(cat "$work/runs/same$i.err")"
  fi
done
expect "exactly one identical run won" "$winners" 1
expect "no lock file left behind" "$(find .git -name '*.lock')" ""

git fsck --strict --no-progress >"$work/fsck" 2>&1 && ok || bad "git fsck --strict" "$(cat "$work/fsck")"
expect "the working tree was never touched" "$(git status --porcelain)" ""
expect "HEAD did not move" "$(git rev-list --count HEAD)" 1
finish
