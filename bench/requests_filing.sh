#!/usr/bin/env bash
# Requests: submissions per second through the Guichet host (anonymous `POST /api/requests`
# of the demo catalogue's `pothole`, each with its own place and e-mail address, the citizen
# told by e-mail through notifications and a local mailbox), p50/p99 under concurrency, status
# look-ups per second (`POST /api/requests/track` with the reference and tracking code), against a baseline in the
# same run (`GET /api/requests/health`: the requests component, no chaining, one read), then a
# profile: one request at a time, the median of each step a filing goes through.
# Prints Markdown tables. Needs: make build (host, wasm components, guichet-mailbox) and wrk.
# DURATION=15 (seconds per load run) CONNECTIONS=32 THREADS=2 ROUNDS=100 by default: about
# 2 minutes in all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/guichet-mailbox \
  target/wasm32-wasip2/release/requests.wasm target/wasm32-wasip2/release/notifications.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is missing (infra/setup.sh installs it)" >&2; exit 1; }
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-100}
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# The e-mail (and SMS) provider: the demo mailbox.
start_mailbox

# Guichet's own spin.toml, every database in a fresh state directory.
fresh_state
# wrk files hundreds a second from one client address: the per-client filing limit (60 an
# hour by default) and the per-contact one (the profile files as one contact) are lifted.
start_host spin.toml SPIN_VARIABLE_REQUEST_LIMITS="filing_client=100000000,filing_contact=100000000"

# A filing with a random place and address (duplicate detection then sees a realistic spread).
cat >"$work/file.lua" <<'LUA'
local counter = 0
local notify = os.getenv("NOTIFY") or "email"
setup = function(thread) counter = counter + 1; thread:set("tid", counter) end
init = function() math.randomseed(os.time() + (tid or 0) * 7919) end
request = function()
  counter = counter + 1
  local lat = 45.70 + math.random() * 0.1
  local long = 4.80 + math.random() * 0.1
  local email = string.format("b%d-%d-%d@example.org", tid or 0, counter, math.random(1e9))
  local body = string.format('{"service_code":"pothole","description":"Trou rue %d",'
    .. '"answers":{"size":"small","consent":true},"location":{"lat":%.6f,"long":%.6f},'
    .. '"contact":{"email":"%s","notify":"%s"},"lang":"fr"}', math.random(1e6), lat, long, email, notify)
  return wrk.format("POST", "/api/requests", {["content-type"] = "application/json"}, body)
end
LUA
# Look-ups of known references with their tracking codes (in the body: codes stay out of URLs).
cat >"$work/track.lua" <<LUA
local bodies = {}
init = function() for line in io.lines("$work/pairs.txt") do bodies[#bodies + 1] = line end end
request = function()
  return wrk.format("POST", "/api/requests/track", {["content-type"] = "application/json"}, bodies[math.random(#bodies)])
end
LUA

file_one() { # notify -> prints "reference code"
  curl -fsS -H 'content-type: application/json' "$base/api/requests" -d \
    "{\"service_code\":\"pothole\",\"answers\":{\"size\":\"large\",\"consent\":true},\"location\":{\"lat\":45.76,\"long\":4.83},\"contact\":{\"email\":\"warm@example.org\",\"notify\":\"$1\"},\"lang\":\"fr\"}" \
    | python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["reference"], b["tracking_code"])'
}
for _ in 1 2 3; do file_one email >/dev/null; done

load() { # name method-or-script url -> "rps p50 p99 non2xx" (wrk, $CONNECTIONS connections)
  local out="$work/wrk-$1.txt" c=${LOAD_CONNECTIONS:-$CONNECTIONS}
  if [ -n "$2" ]; then
    wrk -t"$THREADS" -c"$c" -d"${DURATION}s" --latency -s "$2" "$3" >"$out"
  else
    wrk -t"$THREADS" -c"$c" -d"${DURATION}s" --latency "$3" >"$out"
  fi
  local ms='{v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}'
  echo "$(awk '/^Requests\/sec:/ {print $2}' "$out") $(awk '$1 == "50%" '"$ms" "$out") \
$(awk '$1 == "99%" '"$ms" "$out") $(awk '/Non-2xx/ {print $NF} END {}' "$out" | tail -1)"
}

read -r base_rps base_p50 base_p99 base_bad < <(load health "" "$base/api/requests/health")
read -r file_rps file_p50 file_p99 file_bad < <(load filing "$work/file.lua" "$base")
read -r few_rps few_p50 few_p99 few_bad < <(LOAD_CONNECTIONS=4 load filing-few "$work/file.lua" "$base")
read -r none_rps none_p50 none_p99 none_bad < <(NOTIFY=none load filing-none "$work/file.lua" "$base")
for _ in $(seq 1 50); do
  read -r ref code < <(file_one none)
  echo "{\"reference\":\"$ref\",\"code\":\"$code\"}" >>"$work/pairs.txt"
done
read -r track_rps track_p50 track_p99 track_bad < <(load track "$work/track.lua" "$base")

# The host opens a new SQLite connection per `open`: when a request's connection is the last
# one on a database, closing it checkpoints the WAL (two fsyncs) and deletes it, so even a
# read-only request pays fsyncs. An idle connection held open on each database (what a
# keeper connection in the host would do) shows what that costs.
keeper() {
  python3 - "$work/state" <<'PY' &
import sqlite3, sys, time
held = []
for name in ("identity", "catalog", "requests", "notifications"):
    conn = sqlite3.connect(f"{sys.argv[1]}/{name}.db")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    held.append(conn)
time.sleep(3600)
PY
  keeper_pid=$!
  pids+=("$keeper_pid")
  sleep 0.5
}
keeper
read -r keep_rps keep_p50 keep_p99 keep_bad < <(load filing-keeper "$work/file.lua" "$base")
stored=$(python3 - "$work/state/requests.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("select count(*) from requests").fetchone()[0],
      c.execute("select count(*) from outbox where delivered_at is null").fetchone()[0])
PY
)
mails=$(grep -c '^----- message' "$work/mailbox.out" || true)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
echo "| what ($(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, one host) | requests/s | p50 (ms) | p99 (ms) | non-2xx | / baseline |"
echo "|---|---|---|---|---|---|"
echo "| baseline: \`GET /api/requests/health\` (requests.wasm, one read, no chaining) | $base_rps | $base_p50 | $base_p99 | ${base_bad:-0} | 1 |"
echo "| submissions: \`POST /api/requests\` pothole, anonymous, told by e-mail | $file_rps | $file_p50 | $file_p99 | ${file_bad:-0} | $(ratio "$file_rps" "$base_rps") |"
echo "| the same submissions from 4 clients only | $few_rps | $few_p50 | $few_p99 | ${few_bad:-0} | $(ratio "$few_rps" "$base_rps") |"
echo "| submissions with \`notify: none\` (no message sent) | $none_rps | $none_p50 | $none_p99 | ${none_bad:-0} | $(ratio "$none_rps" "$base_rps") |"
echo "| submissions, told by e-mail, the databases' WAL kept open by an idle connection | $keep_rps | $keep_p50 | $keep_p99 | ${keep_bad:-0} | $(ratio "$keep_rps" "$base_rps") |"
echo "| status look-ups: \`POST /api/requests/track\` \`{reference, code}\` | $track_rps | $track_p50 | $track_p99 | ${track_bad:-0} | $(ratio "$track_rps" "$base_rps") |"
echo
read -r stored_requests stored_pending <<<"$stored"
echo "Requests stored: $stored_requests; events still pending in the outbox: $stored_pending; e-mails received by the mailbox: $mails."
echo

kill "$keeper_pid" 2>/dev/null || true
wait "$keeper_pid" 2>/dev/null || true

# Profile: one request at a time, medians of $ROUNDS, each step a filing goes through alone.
median() { # url [curl args...] -> median ms of time_total
  local url=$1; shift
  for _ in $(seq 1 "$ROUNDS"); do curl -s -o /dev/null -w '%{time_total}\n' "$@" "$url"; done \
    | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)] * 1000}'
}
read -r ref code < <(file_one none)
hello=$(median "$base/api/requests/health")
commune=$(median "$base/api/identity/commune")
service=$(median "$base/api/catalog/services/pothole")
track=$(median "$base/api/requests/track" -H 'content-type: application/json' -d "{\"reference\":\"$ref\",\"code\":\"$code\"}")
body_none='{"service_code":"pothole","answers":{"size":"small","consent":true},"location":{"lat":45.71,"long":4.81},"contact":{"email":"p@example.org","notify":"none"},"lang":"fr"}'
body_mail=${body_none/\"none\"/\"email\"}
body_bad=${body_none/\"size\":\"small\",/}
file_bad=$(median "$base/api/requests" -H 'content-type: application/json' -d "$body_bad")
file_none=$(median "$base/api/requests" -H 'content-type: application/json' -d "$body_none")
file_mail=$(median "$base/api/requests" -H 'content-type: application/json' -d "$body_mail")
keeper
file_bad_k=$(median "$base/api/requests" -H 'content-type: application/json' -d "$body_bad")
hello_k=$(median "$base/api/requests/health")
commune_k=$(median "$base/api/identity/commune")
service_k=$(median "$base/api/catalog/services/pothole")
file_none_k=$(median "$base/api/requests" -H 'content-type: application/json' -d "$body_none")
file_mail_k=$(median "$base/api/requests" -H 'content-type: application/json' -d "$body_mail")
echo "| one at a time (median of $ROUNDS, curl) | ms | WAL kept open |"
echo "|---|---|---|"
echo "| \`GET /api/requests/health\`: a requests instance, open + migrate check, one read | $hello | $hello_k |"
echo "| \`GET /api/identity/commune\`: an identity instance (what commune resolution chains to) | $commune | $commune_k |"
echo "| \`GET /api/catalog/services/pothole\`: a catalog instance reading a service | $service | $service_k |"
echo "| \`POST /api/requests/track\`: requests + commune resolution + reads | $track | |"
echo "| \`POST /api/requests\` refused (400, an answer missing): commune resolution + catalogue + checks, nothing written | $file_bad | $file_bad_k |"
echo "| \`POST /api/requests\`, \`notify: none\` (the event still goes to notifications) | $file_none | $file_none_k |"
echo "| \`POST /api/requests\`, e-mail through notifications to the mailbox | $file_mail | $file_mail_k |"
echo

# What SQLite costs a filing, natively (Python's sqlite3, the C library), on a copy of the
# requests database this run filled: the statements `POST /api/requests` runs on requests.db
# (open and migrate check, the write transaction of record::insert, the outbox delivery), as
# the host runs them today (a new connection per request: schema parsed, page cache cold,
# every statement prepared) and on one connection kept open (statements cached), the
# difference a connection pool in the host would make.
cp "$work/state/requests.db" "$work/copy.db"
python3 - "$work/copy.db" "$ROUNDS" <<'PY'
import sqlite3, sys, time
path, rounds = sys.argv[1], int(sys.argv[2]) * 10
NOW = "strftime('%Y-%m-%dT%H:%M:%SZ','now')"
def filing(conn, i):
    q = conn.execute
    q("PRAGMA journal_mode").fetchone()
    q("PRAGMA synchronous=NORMAL")
    q("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    q("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    q("BEGIN IMMEDIATE")
    rid, now = q(f"SELECT lower(hex(randomblob(16))), {NOW}").fetchone()
    q("INSERT INTO reference_counters (commune, year, last) VALUES ('bench', 2026, 1) "
      "ON CONFLICT (commune, year) DO UPDATE SET last = last + 1 RETURNING last").fetchone()
    q("SELECT randomblob(10)").fetchone()
    q("INSERT INTO requests (id, commune, reference, service_code, service_version, service_name, "
      "department, state, is_open, channel, account_id, contact, description, answers, lat, long, "
      "address, assignee, expected_on, tracking_hash, merged_into, filed_by, lang, created_at, "
      "updated_at, closed_at) VALUES (?, 'bench', ?, 'pothole', 1, '{}', 'roads', 'submitted', 1, "
      "'web', NULL, '{}', 'trou', '{}', 45.7, 4.8, NULL, NULL, date(?, '+7 days'), 'h', NULL, NULL, "
      "'fr', ?, ?, NULL)", (rid, f"B-{rid}", now, now, now))
    q("INSERT INTO requests_text (rowid, text) SELECT rowid, 'trou pothole' FROM requests WHERE id = ?", (rid,))
    q("INSERT INTO timeline (commune, request_id, at, actor_kind, actor_id, kind, from_value, to_value, "
      "body, public, detail) VALUES ('bench', ?, ?, 'anonymous', NULL, 'filed', NULL, 'submitted', NULL, 1, '{}')", (rid, now))
    q("SELECT * FROM requests WHERE commune = 'bench' AND id = ?", (rid,)).fetchone()
    eid, _ = q(f"SELECT lower(hex(randomblob(16))), {NOW}").fetchone()
    q("SELECT contact FROM followers WHERE request_id = ? ORDER BY since", (rid,)).fetchall()
    q("INSERT INTO outbox (id, commune, kind, payload, created_at, delivered_at, attempts) "
      "VALUES (?, 'bench', 'request-filed', ?, ?, NULL, 0)", (eid, '{"request_id":"%s"}' % rid, now))
    q("COMMIT")
    q("SELECT o.id FROM outbox AS o, outbox AS this WHERE this.id = ? AND o.delivered_at IS NULL "
      "AND o.rowid <= this.rowid", (eid,)).fetchall()
    q(f"UPDATE outbox SET delivered_at = {NOW}, attempts = attempts + 1 WHERE id = ?", (eid,))
def run(fresh, hold):
    keep = sqlite3.connect(path) if hold else None
    if keep: keep.execute("SELECT count(*) FROM sqlite_master").fetchone()
    shared = None if fresh else sqlite3.connect(path, isolation_level=None)
    start = time.perf_counter()
    for i in range(rounds):
        conn = sqlite3.connect(path, isolation_level=None, cached_statements=0) if fresh else shared
        filing(conn, i)
        if fresh: conn.close()
    return (time.perf_counter() - start) / rounds * 1e6
a = run(True, False); b = run(True, True); c = run(False, False)
print(f"| requests.db statements of one filing (18), native, {rounds} rounds | µs per filing |")
print("|---|---|")
print(f"| a new connection each time, the last to close (WAL checkpointed and deleted: fsyncs) | {a:.0f} |")
print(f"| a new connection each time, another one open (no checkpoint on close) | {b:.0f} |")
print(f"| one connection kept open, statements cached (a pool in the host) | {c:.0f} |")
PY
echo
echo "Load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)."
