#!/usr/bin/env bash
# The WAL under a sustained filing run (issue #15: it grew to 194 MB after 4,500 filings when
# SQLite's passive checkpoints starved): files anonymous `pothole` requests through the host
# with wrk (each told by e-mail through notifications and the local mailbox, as
# bench/requests_filing.sh does) and prints the size of each database's `-wal` file every
# INTERVAL seconds, then the largest seen and the filings made. The host's checkpoint thread
# (infra/host/src/sqlite.rs) truncates a WAL past 4 MB.
# Needs: make build and wrk. DURATION=60 CONNECTIONS=16 THREADS=2 INTERVAL=2 by default.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/guichet-mailbox \
  target/wasm32-wasip2/release/requests.wasm target/wasm32-wasip2/release/notifications.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is missing (infra/setup.sh installs it)" >&2; exit 1; }
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
INTERVAL=${INTERVAL:-2}
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# The e-mail (and SMS) provider: the demo mailbox.
start_mailbox
fresh_state
start_host spin.toml SPIN_VARIABLE_REQUEST_LIMITS="filing_client=100000000,filing_contact=100000000"

cat >"$work/file.lua" <<'LUA'
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("tid", counter) end
init = function() math.randomseed(os.time() + (tid or 0) * 7919) end
request = function()
  counter = counter + 1
  local email = string.format("w%d-%d-%d@example.org", tid or 0, counter, math.random(1e9))
  local body = string.format('{"service_code":"pothole","description":"Trou rue %d",'
    .. '"answers":{"size":"small","consent":true},"location":{"lat":%.6f,"long":%.6f},'
    .. '"contact":{"email":"%s","notify":"email"},"lang":"fr"}', math.random(1e6),
    45.70 + math.random() * 0.1, 4.80 + math.random() * 0.1, email)
  return wrk.format("POST", "/api/requests", {["content-type"] = "application/json"}, body)
end
LUA
curl -fsS "$base/api/requests/health" >/dev/null

size() { stat -c %s "$1" 2>/dev/null || echo 0; }
sample() { # prints one line: seconds, then each database's WAL size in KB
  local t=$1 line="$1"
  for db in requests notifications identity catalog; do
    line="$line $(( $(size "$work/state/$db.db-wal") / 1024 ))"
  done
  echo "$line"
}

wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/file.lua" "$base" >"$work/wrk.txt" &
wrk_pid=$!
pids+=($wrk_pid)
echo "| seconds | requests WAL (KB) | notifications WAL (KB) | identity WAL (KB) | catalog WAL (KB) |"
echo "|---|---|---|---|---|"
start=$(date +%s)
max=0
while kill -0 "$wrk_pid" 2>/dev/null; do
  read -r t r n i c < <(sample $(( $(date +%s) - start )))
  echo "| $t | $r | $n | $i | $c |"
  for v in $r $n $i $c; do [ "$v" -gt "$max" ] && max=$v; done
  sleep "$INTERVAL"
done
wait "$wrk_pid" || true
filings=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
bad=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
echo
echo "filings: $filings in ${DURATION} s ($rps/s, non-2xx: ${bad:-0}); largest WAL seen: $max KB"
