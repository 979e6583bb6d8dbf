#!/usr/bin/env bash
# The back-office's queue page (issue #14) on a commune with one million requests, through the
# Guichet host, over HTTP: an agent invited through identity signs in on identity's page (the
# browser session cookie) and loads `/admin` (the default view, a filtered view, page 2 by
# cursor), one request at a time; each page's baseline is the `GET /api/requests` call it
# relays, made with the agent's own token in the same run, in turns with the page. p50/p95 and
# the ratio page / API, as a Markdown table.
# The commune is the one of bench/requests_queue.sh (bench/src/commune.rs, written straight into
# the requests database); the bench binary starts and stops its own host and mailbox (the
# helpers of bench/lib.sh are for scripts that start them themselves).
# Needs: make build (the host, the wasm components, the bench binaries). About 2 minutes.
# ROWS=1000000 SAMPLES=100 by default; BENCH_KEEP_DB=path keeps a copy of the generated database.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/admin-queue \
  target/wasm32-wasip2/release/requests.wasm target/wasm32-wasip2/release/portal.wasm \
  target/wasm32-wasip2/release/identity.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
exec ./target/release/admin-queue "${ROWS:-1000000}" "${SAMPLES:-100}"
