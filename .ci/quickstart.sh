#!/usr/bin/env bash
# The README's quick start, as a newcomer runs it: `npm start` serves the Control Panel with the demo running and
# prints its URL and the demo login. Started in the background, this waits (bounded) for the URL and the login,
# signs in over HTTP with them, opens the live page (the demo's account) and, once the replay is through, the report
# of the demo's backtest; then SIGINT, and the start must exit 0 by itself. Whatever it started is stopped on every
# exit path. Ports 0: the CI machine's 8080 may be taken by something else.
set -euo pipefail
cd "$(dirname "$0")/.."

WAIT_S=${QUICKSTART_WAIT_S:-300}
out=$(mktemp)
jar=$(mktemp -d)
pid=""
# npm start, sh and node are one process group (job control below): stopped together on any exit.
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    sleep 5
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -rf "$out" "$jar"
}
trap cleanup EXIT

fail() {
  echo "quickstart: $*" >&2
  echo "--- npm start printed:" >&2
  cat "$out" >&2
  exit 1
}

# Job control: the job gets a process group of its own, and does not start with SIGINT ignored as a background
# job of a script otherwise does.
set -m
npm start -- --port 0 --portal-port 0 >"$out" 2>&1 &
pid=$!

# Wait for a line of npm start's output matching $1; its first match.
await() {
  local deadline=$((SECONDS + WAIT_S))
  while ! grep -Eq "$1" "$out"; do
    kill -0 "$pid" 2>/dev/null || fail "npm start exited before printing /$1/"
    [ $SECONDS -lt $deadline ] || fail "no /$1/ within ${WAIT_S} s"
    sleep 1
  done
  grep -Eo "$1" "$out" | head -1
}

url=$(await 'Control Panel  http://[^ ]+' | awk '{print $3}')
login=$(grep -Eo 'login demo, password: [^ ]+' "$out" | awk '{print $4}' || true)
password=${login:-}
# A data folder that has seen an earlier start keeps the demo's password; the first start prints it.
[ -n "$password" ] || password=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(".meridian/demo-login.json", "utf8")).password)')
[ -n "$password" ] || fail "no demo password printed nor kept in .meridian/demo-login.json"

# The login form sets its CSRF token in a cookie and in the form (double submit).
form=$(curl -fsS -D "$jar/login.headers" "${url}login") || fail "GET ${url}login failed"
token=$(grep -Eo 'name="_csrf" value="[^"]+"' <<<"$form" | sed -E 's/.*value="([^"]+)"/\1/')
[ -n "$token" ] || fail "the login page has no CSRF token"
status=$(curl -sS -o /dev/null -D "$jar/session.headers" -w '%{http_code}' \
  -H "cookie: meridian_login=$token" --data-urlencode "name=demo" --data-urlencode "password=$password" \
  --data-urlencode "_csrf=$token" "${url}login")
[ "$status" = 303 ] || fail "signing in as demo answered $status"
session=$(grep -Eio 'set-cookie: meridian_session=[^;]+' "$jar/session.headers" | sed -E 's/^[^:]+: //')
[ -n "$session" ] || fail "signing in set no session cookie"

# The live page shows the demo's account from the Accounts Service's events.
live=$(curl -fsS -H "cookie: $session" "${url}live") || fail "GET ${url}live failed"
grep -q 'Account PAPER-1' <<<"$live" || fail "the live page shows no account PAPER-1"

# Once the replay is through, the demo's backtest is stored and its report opens.
report=$(await 'http://[^ ]+/runs/[0-9a-f]{12}')
page=$(curl -fsS -H "cookie: $session" "$report") || fail "GET $report failed"
grep -q 'id="chart"' <<<"$page" || fail "the demo's report page has no chart"

# Ctrl-C of the process that serves: a terminal's Ctrl-C also signals npm and its shell, which then report the
# signal (130) whatever the command does; the command itself must stop cleanly and exit 0, and npm with it.
meridian=$(pgrep -g "$pid" -x node | head -1)
[ -n "$meridian" ] || fail "no node process under npm start"
kill -INT "$meridian"
code=0
wait "$pid" || code=$?
pid=""
[ "$code" = 0 ] || fail "npm start exited $code after SIGINT"
echo "quickstart: npm start served ${url} (signed in as demo, live page and report seen) and exited 0 on SIGINT"
