#!/usr/bin/env bash
# `persona check --base` in shallow clones: when the merge base (or the history leading to it)
# is missing, an error that names the exact `git fetch` to run, never a verdict; and that command,
# run as printed, repairs the clone.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"

# origin: 'pr' branches off 'main', then 'main' moves on by three commits.
new_library "$work/origin"
cd "$work/origin"
tgit commit -q --allow-empty -m "Main, second commit"
git checkout -q -b pr
make_record APP-153 confirm aha_moment "" >/dev/null
commit_all "Confirm APP-153's aha moment"
git checkout -q main
for i in 1 2 3; do tgit commit -q --allow-empty -m "Main moves on ($i)"; done
mb=$(short "$(git merge-base main pr)")
pr=$(short pr)
cd "$work"

checked() {
  echo $(( $(find personas -name '*.yaml' | wc -l) + $(find contributions -name '*.yaml' 2>/dev/null | wc -l) + 1 ))
}
passes() {
  expect_run "$1" 0 "" "judged the change from $mb (merge base with 'origin/main') to HEAD $pr: 1 file changed
$(checked) files checked, no problems"
}
# hint_command: the command the last error's hint names.
hint_command() { printf '%s\n' "$err" | sed -n 's/^hint: .*: \(git fetch .*\)$/\1/p'; }

# Every branch at depth 1: neither side reaches the merge base.
git clone -q --depth 1 --no-single-branch "file://$work/origin" all-depth-1
cd all-depth-1
git checkout -q pr
run_persona check --base origin/main
expect_run "depth 1, every branch" 3 "" "persona: error: this shallow clone (its history stops at 2 commits) does not reach the merge base of 'origin/main' and HEAD, so the change cannot be judged
hint: fetch the full history, then run the check again: git fetch --unshallow origin"
run_persona check --base origin/main --format github
expect "depth 1, github format: exit code" "$code" 3
expect "depth 1, github format: annotation" "$out" "::error title=persona check::this shallow clone (its history stops at 2 commits) does not reach the merge base of 'origin/main' and HEAD, so the change cannot be judged (fetch the full history, then run the check again: git fetch --unshallow origin)"
cmd=$(hint_command)
expect "the hint is one git fetch" "$cmd" "git fetch --unshallow origin"
$cmd -q
run_persona check --base origin/main
passes "after the hinted fetch"
cd "$work"

# Depth 3: the pull request's side reaches the merge base, the base branch's side does not.
git clone -q --depth 3 --no-single-branch "file://$work/origin" depth-3
cd depth-3
git checkout -q pr
run_persona check --base origin/main
expect_run "depth 3" 3 "" "persona: error: this shallow clone (its history stops at 2 commits) does not reach the merge base of 'origin/main' and HEAD, so the change cannot be judged
hint: fetch the full history, then run the check again: git fetch --unshallow origin"
cd "$work"

# Deep enough on both sides: a shallow clone that holds the merge base and everything after it.
git clone -q --depth 5 --no-single-branch "file://$work/origin" depth-5
cd depth-5
git checkout -q pr
run_persona check --base origin/main
passes "depth 5 reaches the merge base"
cd "$work"

# Only the pull request's branch was cloned: the base branch is not there at all.
git clone -q --depth 1 -b pr "file://$work/origin" single
cd single
run_persona check --base origin/main
expect_run "base branch not fetched" 3 "" "persona: error: base 'origin/main' does not name a commit in this clone
hint: fetch it first: git fetch --unshallow origin +refs/heads/main:refs/remotes/origin/main"
cmd=$(hint_command)
$cmd -q
run_persona check --base origin/main
passes "after fetching the base branch as hinted"

# The same clone fetched the base branch shallowly (as a CI step might): still no verdict.
cd "$work"
git clone -q --depth 1 -b pr "file://$work/origin" single-shallow-base
cd single-shallow-base
git fetch -q --depth 1 origin +refs/heads/main:refs/remotes/origin/main
run_persona check --base origin/main
expect_run "both tips only" 3 "" "persona: error: this shallow clone (its history stops at 2 commits) does not reach the merge base of 'origin/main' and HEAD, so the change cannot be judged
hint: fetch the full history, then run the check again: git fetch --unshallow origin"
$(hint_command) -q
run_persona check --base origin/main
passes "after unshallowing"

# A remote not called origin.
cd "$work"
git clone -q --depth 1 --no-single-branch -o upstream "file://$work/origin" upstream
cd upstream
git checkout -q pr
run_persona check --base upstream/main
expect_run "another remote's name" 3 "" "persona: error: this shallow clone (its history stops at 2 commits) does not reach the merge base of 'upstream/main' and HEAD, so the change cannot be judged
hint: fetch the full history, then run the check again: git fetch --unshallow upstream"

finish
