#!/usr/bin/env bash
# The benchmark harness end to end on a small library (N = 200, one run each): it must print the
# table and write results.json and results.md with every row and column. Speed is not judged
# here; tools that are missing (nothing is installed) give rows that say n/a.
#   bash tests/e2e/bench_harness.sh <persona-binary> <source-dir>
set -euo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "bench_harness: $*" >&2; exit 1; }

if ! python3 "$src/scripts/bench" --binary "$bin" --sizes 200 --runs 1 --repo-size 200,300 \
    --work "$tmp/work" --results "$tmp/results" --no-install >"$tmp/out.txt" 2>"$tmp/err.txt"; then
  cat "$tmp/err.txt" >&2
  fail "scripts/bench failed"
fi

# The table: a header and one row per tool, each with a time or an n/a reason.
head -1 "$tmp/out.txt" | grep -q '^tool  *N  *median s  *cpu s  *files/s  *peak MiB  *ratio to ours' ||
  fail "no table header in: $(head -1 "$tmp/out.txt")"
rows=("cat (floor)" "persona validate (cold)" "persona validate (cold, 1 thread)"
      "persona validate (warm)" "ajv-cli (YAML in, draft-07)" "ajv-cli (pre-converted JSON)" "yamllint"
      "persona check --base (1-file change)" "persona export --format html"
      "persona export html (1 file changed)" "hugo (one page per persona)"
      "persona contribute --confirm" "git add + git commit" "persona contribute --confirm (no cache)"
      "persona history (busiest persona)" "git log -- <persona paths>" "persona history (no cache)")
for r in "${rows[@]}"; do
  line=$(grep -F -- "$r " "$tmp/out.txt" | head -1) || fail "no row for '$r'"
  [[ $line =~ (200|[0-9]+\.[0-9]{3}|n/a) ]] || fail "row without a time or n/a: $line"
done
# Our own validate rows are always measured (the binary is there).
grep -E '^persona validate \(cold\) +200 +[0-9]+\.[0-9]{3} ' "$tmp/out.txt" >/dev/null ||
  fail "cold validate was not measured"
grep -E '^persona validate \(warm\) +200 +[0-9]+\.[0-9]{3} ' "$tmp/out.txt" >/dev/null ||
  fail "warm validate was not measured"
grep -q '^target cold validate ≤ 4× cat' "$tmp/out.txt" || fail "no target lines"

# The JSON: the columns, every row with every column, targets, machine and date.
python3 - "$tmp/results/results.json" "${rows[@]}" <<'PY' || fail "results.json is not as expected"
import json, sys
doc = json.load(open(sys.argv[1]))
want = sys.argv[2:]
cols = ["tool", "n", "files", "median_s", "cpu_s", "runs", "files_per_s", "peak_mib", "ratio_to_ours",
        "ours", "status", "note", "targets"]
assert doc["columns"] == cols, doc["columns"]
tools = [r["tool"] for r in doc["rows"]]
assert tools == want, tools
for r in doc["rows"]:
    assert set(r) == set(cols), (r["tool"], sorted(r))
    assert (r["status"] == "ok") == (r["median_s"] is not None), r
    assert r["status"] == "ok" or r["status"].startswith("n/a"), r
    if r["status"] == "ok":
        assert r["runs"] == 1 and r["median_s"] > 0 and r["files_per_s"] > 0, r
for key in ("date", "machine", "targets", "sizes", "runs", "load_average"):
    assert key in doc, key
assert doc["machine"]["nproc"] >= 1 and doc["machine"]["model"], doc["machine"]
assert doc["sizes"] == [200] and doc["runs"] == 1
assert any(t["target"].startswith("cold validate") for t in doc["targets"])
PY

# The Markdown table the README includes: date and machine, then the table.
md="$tmp/results/results.md"
grep -q "^Measured [0-9]{4}-[0-9]{2}-[0-9]{2} on [0-9]* cores" -E "$md" || fail "no date/machine line in results.md"
grep -q '^| tool | N | median s | CPU s | files/s | peak MiB | ratio to ours |$' "$md" || fail "no table in results.md"
[[ $(grep -c '^| ' "$md") -ge 17 ]] || fail "results.md has too few rows"
echo "bench_harness: ok (table, results.json and results.md)"
