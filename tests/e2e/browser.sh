#!/usr/bin/env bash
# Browser test of the exported website: exports tests/golden/export/library, serves it on
# 127.0.0.1 with python3's http.server (on a free port, stopped on exit) and drives Debian's
# Chromium with playwright-core (tests/browser/site-test.js). The Markdown export of the same
# library is rendered by cmark with unsafe HTML on, as a permissive viewer would, into markdown/
# of the served directory, so the browser test opens it too.
#
#   bash tests/e2e/browser.sh PERSONA_BINARY SOURCE_DIR
#
# Needs, and fails without (it never skips):
#   apt-get install -y chromium nodejs npm python3 cmark
#   npm ci --prefix tests/browser
# SHOTS=DIR keeps screenshots of the index and a persona page (desktop and phone widths).
set -euo pipefail

persona=$(realpath "$1")
src=$(realpath "$2")
chromium=/usr/bin/chromium
browser_dir=$src/tests/browser

missing=()
[[ -x $chromium ]] || missing+=("$chromium (apt-get install -y chromium)")
command -v node >/dev/null || missing+=("node (apt-get install -y nodejs)")
command -v python3 >/dev/null || missing+=("python3 (apt-get install -y python3)")
command -v cmark >/dev/null || missing+=("cmark (apt-get install -y cmark)")
[[ -f $browser_dir/node_modules/playwright-core/package.json ]] ||
  missing+=("playwright-core (npm ci --prefix tests/browser)")
if ((${#missing[@]})); then
  echo "browser: cannot run, missing:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  echo "browser: 0 passed, 1 failed"
  exit 1
fi

tmp=$(mktemp -d)
server=""
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

PERSONA_NOW=2026-11-28T00:00:00Z "$persona" --repo "$src/tests/golden/export/library" export --out "$tmp/site" >/dev/null
PERSONA_NOW=2026-11-28T00:00:00Z "$persona" --repo "$src/tests/golden/export/library" export --format md \
  --out "$tmp/md" >/dev/null
mkdir "$tmp/site/markdown"
md_page() {
  printf '<!doctype html>\n<meta charset="utf-8">\n<title>%s</title>\n<link rel="icon" href="../assets/favicon.svg">\n' "$2"
  cmark --unsafe "$1"
}
md_page "$tmp/md/personas/app-666.md" app-666 >"$tmp/site/markdown/app-666.html"
md_page "$tmp/md/README.md" README >"$tmp/site/markdown/README.html"
printf '<script>window.__control = 1</script>\n' >"$tmp/control.md"
md_page "$tmp/control.md" control >"$tmp/site/markdown/control.html"

# Port 0: the kernel picks a free port and the server prints it. The log exists before the
# server starts: the loop below may read it before the background shell has opened it.
: >"$tmp/server.log"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/site" >>"$tmp/server.log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$tmp/server.log")
  [[ -n $port ]] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "browser: the HTTP server did not start:" >&2
  cat "$tmp/server.log" >&2
  echo "browser: 0 passed, 1 failed"
  exit 1
fi

shots=()
if [[ -n ${SHOTS:-} ]]; then
  mkdir -p "$SHOTS"
  shots=(--shots "$(realpath "$SHOTS")")
fi
NODE_PATH=$browser_dir/node_modules timeout 300 node "$browser_dir/site-test.js" \
  --url "http://127.0.0.1:$port/" --dir "$tmp/site" --profile "$tmp/profile" "${shots[@]}"
