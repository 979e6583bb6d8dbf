#!/usr/bin/env bash
# Notifications: events accepted per second and deliveries per second through the Guichet
# host, against a baseline in the same run (`GET /api/notifications/health`: the same
# component, no write). Events are `status-changed` records of the `events` contract posted to
# `POST /internal/events` (on a copy of spin.toml whose catch-all route reaches notifications,
# as the tests do; in production only requests reaches it, by chaining), each with its own id:
# - accepted: the recipient chose `notify: none`: the event is stored once, nothing is sent;
# - delivered: one verified e-mail recipient: the event is stored, its message rendered from
#   the templates and handed to the local mailbox (guichet-mailbox) before the answer.
# Prints a Markdown table, and how many e-mails the mailbox received.
# Needs: make build (host, wasm components, guichet-mailbox) and wrk.
# DURATION=10 (seconds per load run) CONNECTIONS=16 THREADS=2 by default: about 40 s in all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/guichet-mailbox \
  target/wasm32-wasip2/release/notifications.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is missing (infra/setup.sh installs it)" >&2; exit 1; }
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# The e-mail (and SMS) provider: the demo mailbox.
start_mailbox

# spin.toml with its catch-all route to notifications (its private routes reachable), every
# database in a fresh state directory.
grep -q '^route = "/\.\.\."$' spin.toml || { echo "spin.toml has no catch-all route" >&2; exit 1; }
awk -v root="$root" '
  /^route = "\/\.\.\."$/ { print; getline; print "component = \"notifications\""; next }
  { gsub(/"target\//, "\"" root "/target/"); print }
' spin.toml >"$work/spin.toml"
fresh_state
# wrk posts thousands of messages to one address a second: the per-provider limit is lifted.
start_host "$work/spin.toml" SPIN_VARIABLE_PROVIDER_LIMITS="mail=100000000,sms=100000000,webhook=100000000"

cat >"$work/event.lua" <<'LUA'
local counter = 0
local notify = os.getenv("NOTIFY") or "email"
setup = function(thread) counter = counter + 1; thread:set("tid", counter) end
init = function() math.randomseed(os.time() + (tid or 0) * 7919) end
request = function()
  counter = counter + 1
  local id = string.format("b%d-%d-%d", tid or 0, counter, math.random(1e9))
  local body = string.format('{"id":"%s","commune":"demo","source":"requests",'
    .. '"occurred_at":"2026-12-07T20:00:00Z","payload":{"StatusChanged":{"request_id":"r-%s",'
    .. '"reference":"2026-%06d","service_code":"pothole","service_name":{"fr":"Nid-de-poule","en":"Pothole"},'
    .. '"state":"acknowledged","state_label":{"fr":"Pris en compte","en":"Acknowledged"},"open":true,'
    .. '"lang":"fr","from":"submitted","to":"acknowledged","recipients":[{"email":"%s@example.org",'
    .. '"notify":"%s","verified":true}]}}}', id, id, counter % 1000000, id, notify)
  return wrk.format("POST", "/internal/events", {["content-type"] = "application/json"}, body)
end
LUA

load() { # name script-or-empty url -> "rps p50 p99 non2xx"
  local out="$work/wrk-$1.txt"
  if [ -n "$2" ]; then
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" "$3" >"$out"
  else
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$3" >"$out"
  fi
  local ms='{v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}'
  echo "$(awk '/^Requests\/sec:/ {print $2}' "$out") $(awk '$1 == "50%" '"$ms" "$out") \
$(awk '$1 == "99%" '"$ms" "$out") $(awk '/Non-2xx/ {print $NF} END {}' "$out" | tail -1)"
}

curl -fsS "$base/api/notifications/health" >/dev/null
read -r base_rps base_p50 base_p99 base_bad < <(load health "" "$base/api/notifications/health")
read -r none_rps none_p50 none_p99 none_bad < <(NOTIFY=none load accepted "$work/event.lua" "$base")
read -r mail_rps mail_p50 mail_p99 mail_bad < <(NOTIFY=email load delivered "$work/event.lua" "$base")
mails=$(grep -c '^----- message' "$work/mailbox.out" || true)
counts=$(python3 - "$work/state/notifications.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("select count(*) from events").fetchone()[0],
      c.execute("select count(*) from messages where state = 'delivered'").fetchone()[0])
PY
)
read -r events delivered <<<"$counts"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
echo "| what ($(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, one host) | per second | p50 (ms) | p99 (ms) | non-2xx | / baseline |"
echo "|---|---|---|---|---|---|"
echo "| baseline: \`GET /api/notifications/health\` | $base_rps | $base_p50 | $base_p99 | ${base_bad:-0} | 1 |"
echo "| events accepted: \`POST /internal/events\`, recipient \`notify: none\` | $none_rps | $none_p50 | $none_p99 | ${none_bad:-0} | $(ratio "$none_rps" "$base_rps") |"
echo "| deliveries: one event, one e-mail rendered and handed to the mailbox | $mail_rps | $mail_p50 | $mail_p99 | ${mail_bad:-0} | $(ratio "$mail_rps" "$base_rps") |"
echo
echo "Events stored: $events; messages delivered: $delivered; e-mails received by the mailbox: $mails."
