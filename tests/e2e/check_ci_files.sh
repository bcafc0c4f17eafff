#!/usr/bin/env bash
# The files a library repository ships, run as they are:
#  - .github/workflows/persona.yml: its shell steps (all but installing packages and building)
#    run in a clone of a pull request the way the runner runs them (bash -eo pipefail, the
#    step's env, $GITHUB_WORKSPACE), with the built binary in place of build/persona; and the
#    structure GitHub needs (triggers, full-history checkout, the Pages upload and deploy).
#  - .pre-commit-hooks.yaml: the hooks run on staged files through the real pre-commit when it
#    is installed, else the way pre-commit runs them (entry + the staged files its regex matches).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
suite_start "$@"
source "$src/tests/e2e/check_helpers.sh"
py=/usr/bin/python3; [[ -x $py ]] || py=python3  # PyYAML comes with yamllint
workflow=$src/.github/workflows/persona.yml
hooks=$src/.pre-commit-hooks.yaml

# --- the workflow's structure -----------------------------------------------------------------
expect "workflow structure" "$("$py" - "$workflow" <<'PY'
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
on = w[True] if True in w else w["on"]  # YAML 1.1 reads the key 'on' as true
print(sorted(on))
check, site, deploy = w["jobs"]["check"], w["jobs"]["site"], w["jobs"]["deploy"]
print(check["if"])
co = next(s for s in check["steps"] if s.get("uses", "").startswith("actions/checkout@"))
print("fetch-depth", co["with"]["fetch-depth"])
print(next(s for s in check["steps"] if s.get("name") == "persona check")["run"])
print(next(s for s in site["steps"] if s.get("name") == "Export the website")["run"])
up = next(s for s in site["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
print("upload", up["with"]["path"])
print(deploy["needs"], deploy["permissions"], deploy["environment"]["name"],
      [s["uses"].split("@")[0] for s in deploy["steps"]])
PY
)" "['pull_request', 'push', 'workflow_dispatch']
github.event_name == 'pull_request'
fetch-depth 0
build/persona check --base \"origin/\$BASE_REF\" --format github
build/persona export --format html --out site
upload site
site {'pages': 'write', 'id-token': 'write'} github-pages ['actions/deploy-pages']"

# run_job JOB DIR BASE_REF: runs the job's shell steps in DIR as the runner would, skipping the
# ones that install packages or build (done here by the test's own build). Sets $code, $out.
run_job() {
  "$py" - "$workflow" "$1" >"$work/steps.sh" <<'PY'
import shlex, sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
for step in w["jobs"][sys.argv[2]]["steps"]:
    run = step.get("run")
    if not run or "apt-get" in run or "scripts/deps" in run or "ninja" in run:
        continue
    env = " ".join("%s=%s" % (k, shlex.quote(str(v))) for k, v in step.get("env", {}).items())
    print("echo '::group::%s'" % step["name"].replace("'", ""))
    print("env %s bash --noprofile --norc -eo pipefail -c %s" % (env, shlex.quote(run)))
PY
  sed -i -e 's/\${{ github.base_ref }}/'"$3"'/g' -e "s#build/persona#$persona#g" "$work/steps.sh"
  set +e
  out=$(cd "$2" && GITHUB_WORKSPACE=$2 GIT_CONFIG_GLOBAL=$work/gitconfig bash -e "$work/steps.sh" 2>&1)
  code=$?
  set -e
}

# origin: a library with a pull request branch; the CI clone has the whole history.
new_library "$work/origin"
cd "$work/origin"
git checkout -q -b contrib/APP-153
make_record APP-153 correct "goals[2]" "Block malformed events before they reach the warehouse." >/dev/null
commit_all "Correct goals[2] of APP-153"
git checkout -q main
git clone -q "file://$work/origin" "$work/ci"
cd "$work/ci"
git checkout -q contrib/APP-153
: >"$work/gitconfig"
run_job check "$work/ci" main
expect "check job on a good pull request: exit code" "$code" 0
expect "check job on a good pull request: annotations" "$(grep '^::' <<<"$out" | grep -v '^::group::' || true)" ""

set_field APP-153 outcome "Success is quiet and nobody asks where the data came from."
commit_all "A direct edit"
run_job check "$work/ci" main
expect "check job on a direct edit: exit code" "$code" 1
expect "check job on a direct edit: annotation" "$(grep '^::error' <<<"$out" | cut -d: -f1-4 | cut -d, -f1)" \
  "::error file=personas/segment/segment-data-architect.yaml"

# The site job on the default branch: check, then export the website for Pages.
git clone -q "file://$work/origin" "$work/site-ci"
run_job site "$work/site-ci" main
expect "site job: exit code" "$code" 0
[[ -f "$work/site-ci/site/index.html" ]] && ok || bad "site job: no site/index.html" "$out"

# --- the pre-commit hooks ---------------------------------------------------------------------
expect "hooks" "$("$py" - "$hooks" <<'PY'
import sys, yaml
for h in yaml.safe_load(open(sys.argv[1])):
    print(h["id"], h["entry"], h["language"], h["files"])
PY
)" 'persona-fmt persona fmt system ^personas/.*\.ya?ml$
persona-validate persona validate system ^(personas|contributions)/.*\.ya?ml$'

new_library "$work/hooks-lib"
cd "$work/hooks-lib"
export PATH="$(dirname "$persona"):$PATH"
# PERSONA_TEST_SIMULATE_PRE_COMMIT=1 takes the second path even where pre-commit is installed.
if [[ -z "${PERSONA_TEST_SIMULATE_PRE_COMMIT:-}" ]] && command -v pre-commit >/dev/null 2>&1; then
  echo "note: running the hooks with $(pre-commit --version)"
  mkdir "$work/hooks-repo"
  cp "$hooks" "$work/hooks-repo/"
  (cd "$work/hooks-repo" && git init -q -b main && git add -A && tgit commit -q -m hooks)
  cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $work/hooks-repo
    rev: $(git -C "$work/hooks-repo" rev-parse HEAD)
    hooks:
      - id: persona-fmt
      - id: persona-validate
EOF
  commit_all "Use the hooks"
  export PRE_COMMIT_HOME=$work/pre-commit-home
  run_hooks() {
    set +e
    out=$(pre-commit run --color never 2>&1)
    code=$?
    set -e
  }
else
  echo "note: running the hooks the way pre-commit does (pre-commit itself not used)"
  run_hooks() {
    out=$("$py" - "$hooks" <<'PY'
import re, subprocess, sys, yaml
staged = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR"],
                        capture_output=True, text=True, check=True).stdout.split()
failed = False
for h in yaml.safe_load(open(sys.argv[1])):
    files = [f for f in staged if re.search(h["files"], f)]
    if not files:
        print("%s...(no files to check)Skipped" % h["name"])
        continue
    before = {f: open(f, "rb").read() for f in files}
    r = subprocess.run(h["entry"].split() + files, capture_output=True, text=True)
    changed = any(open(f, "rb").read() != before[f] for f in files)
    ok = r.returncode == 0 and not changed
    failed |= not ok
    print("%s...%s" % (h["name"], "Passed" if ok else "Failed"))
    print(r.stdout + r.stderr)
sys.exit(1 if failed else 0)
PY
) && code=0 || code=$?
  }
fi
arch=personas/segment/segment-data-architect.yaml

# A staged file that is not canonical: fmt rewrites it and the commit stops.
sed -i 's/^app: Segment$/app: "Segment"/' "$arch"
git add "$arch"
run_hooks
expect "non-canonical file: hooks fail" "$code" 1
grep -q 'persona fmt.*Failed' <<<"$out" && ok || bad "non-canonical file: persona fmt did not fail" "$out"
expect "non-canonical file: rewritten" "$(grep '^app:' "$arch")" "app: Segment"
git add "$arch"
run_hooks
expect "after fmt: hooks pass" "$code" 0

# A staged file with a problem: validate stops the commit and says where.
sed -i 's/^category: .*/category: Not A Slug/' "$arch"
git add "$arch"
run_hooks
expect "invalid file: hooks fail" "$code" 1
grep -q "persona validate.*Failed" <<<"$out" && ok || bad "invalid file: persona validate did not fail" "$out"
grep -q "$arch:[0-9]*:[0-9]*: error: .*\[schema-pattern\]" <<<"$out" && ok || bad "invalid file: no diagnostic" "$out"
git checkout -q HEAD -- "$arch"

# Files outside personas/ and contributions/ are not the hooks' business.
echo "notes" >NOTES.md
git add NOTES.md
run_hooks
expect "other files: hooks pass" "$code" 0

finish
