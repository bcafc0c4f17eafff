#!/usr/bin/env bash
# Helpers for the `persona check` / `persona stats` end-to-end suites, sourced by them after
# tests/e2e/lib.sh (not a suite itself: CMakeLists.txt leaves *_helpers.sh out):
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"; suite_start "$@"
#   source "$src/tests/e2e/check_helpers.sh"
#
# Every repository is a throwaway under $work, committed with a fixed author and clock, so ids
# are reproducible. Records are written the way `persona contribute` writes them (id = the first
# 12 hex digits of the git blob id of the record's content; value_hash = git blob id of the
# value), by a small Python script, so these suites do not depend on `contribute`.

export GIT_AUTHOR_NAME="Test Author" GIT_AUTHOR_EMAIL="author@example.org"
export GIT_COMMITTER_NAME="Test Committer" GIT_COMMITTER_EMAIL="committer@example.org"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export PERSONA_NOW=2026-11-28T12:00:00Z
unset GITHUB_STEP_SUMMARY
git_clock=1793527200  # 2026-11-01T10:00:00Z; every commit one minute later than the last

# ok NAME: counts a passed assertion; bad NAME DETAIL: a failed one (printed).

# git with the next fixed commit time.
tgit() {
  git_clock=$((git_clock + 60))
  GIT_AUTHOR_DATE="@$git_clock +0000" GIT_COMMITTER_DATE="@$git_clock +0000" git "$@"
}

# commit_all MSG: commits everything in the current directory.
commit_all() { git add -A && tgit commit -q -m "$1"; }

# short REV: the 12-digit id git shows for a revision.
short() { git rev-parse --short=12 "$1"; }

# persona_file PID: the persona file with that pid (relative path).
persona_file() { grep -l "^pid: $1\$" personas/*/*.yaml | head -1; }

# make_record PID KIND FIELD TEXT [options]: writes a contribution record (and, for correct and
# extend, the change to the persona file, in canonical form); prints the record's path.
#   --note N --author A --time T   (defaults: a note, "Ada Lovelace", 2026-11-20T09:00:00Z)
#   --no-edit                      leave the persona file alone
#   --edit-text T                  write T into the persona instead of the record's text
#   --hash H                       value_hash to record instead of the current value's
make_record() {
  local pid=$1 kind=$2 field=$3 text=$4 file
  shift 4
  file=$(persona_file "$pid")
  "$persona" show "$pid" --format json >"$work/.persona.json"
  python3 - "$work/.persona.json" "$file" "$pid" "$kind" "$field" "$text" "$@" <<'PY'
import hashlib, json, os, re, sys
data_path, file, pid, kind, field, text, *opts = sys.argv[1:]
o = {"note": "Three years doing exactly this job.", "author": "Ada Lovelace",
     "time": "2026-11-20T09:00:00Z", "no-edit": False, "edit-text": None, "hash": None}
i = 0
while i < len(opts):
    k = opts[i][2:]
    if k == "no-edit":
        o[k] = True; i += 1
    else:
        o[k] = opts[i + 1]; i += 2
data = json.load(open(data_path))
def blob_id(s):
    b = s.encode()
    return hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()
m = re.fullmatch(r"([a-z_]+)(?:\[(\d+)\])?", field) if field else None
def value(d):
    name, item = m.group(1), m.group(2)
    v = d[name]
    if item is not None:
        return v[int(item) - 1]
    return "\n".join(v) if isinstance(v, list) else v
rec = {"pid": pid, "kind": kind, "field": field, "time": o["time"], "author": o["author"],
       "value_hash": "", "text": text if kind != "confirm" else "", "note": o["note"]}
if m:
    rec["value_hash"] = o["hash"] or blob_id(value(data))
content = "".join(f"{k} {rec[k]}\n" for k in
                  ["pid", "kind", "field", "time", "author", "value_hash", "text", "note"])
rid = blob_id(content)[:12]
out = {"id": rid, "pid": pid, "kind": kind}
for k in ["field", "text", "note"]:
    if rec[k]: out[k] = rec[k]
out["author"] = rec["author"]
out["time"] = rec["time"]
if rec["value_hash"]: out["value_hash"] = rec["value_hash"]
path = "contributions/%s/%s-%s.yaml" % (pid, rec["time"].replace("-", "").replace(":", ""), rid)
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    for k, v in out.items():
        f.write("%s: %s\n" % (k, json.dumps(v, ensure_ascii=False)))
if kind in ("correct", "extend") and not o["no-edit"]:
    new = o["edit-text"] if o["edit-text"] is not None else text
    name, item = m.group(1), m.group(2)
    if kind == "correct":
        if item is not None: data[name][int(item) - 1] = new
        else: data[name] = new
    elif isinstance(data[name], list):
        data[name].append(new)
    else:
        data[name] = data[name] + "\n\n" + new
    order = ["pid", "name", "app", "category", "tags", "version"]
    ordered = {k: data[k] for k in order if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    with open(file, "w") as f:
        for k, v in ordered.items():
            f.write("%s: %s\n" % (k, json.dumps(v, ensure_ascii=False)))
print(path)
PY
  if [[ "$kind" == correct || "$kind" == extend ]]; then "$persona" fmt "$file" >/dev/null; fi
  rm -f "$work/.persona.json"
}

# set_field PID FIELD VALUE: a direct edit of a text field (no record), in canonical form.
set_field() {
  local file
  file=$(persona_file "$1")
  "$persona" show "$1" --format json >"$work/.persona.json"
  python3 - "$work/.persona.json" "$file" "$2" "$3" <<'PY'
import json, sys
data_path, file, field, value = sys.argv[1:]
data = json.load(open(data_path))
data[field] = value
order = ["pid", "name", "app", "category", "tags", "version"]
ordered = {k: data[k] for k in order if k in data}
ordered.update({k: v for k, v in data.items() if k not in ordered})
with open(file, "w") as f:
    for k, v in ordered.items():
        f.write("%s: %s\n" % (k, json.dumps(v, ensure_ascii=False)))
PY
  "$persona" fmt "$file" >/dev/null
  rm -f "$work/.persona.json"
}

