#!/usr/bin/env bash
# The agents' queue on a commune with one million requests, through the Guichet host, over
# HTTP: p50/p95/p99 and requests/s of the queue's common queries (first page, department +
# open, overdue, text search, reference, a deep page by cursor, exact counts) and of the
# figures, against `GET /api/requests/health` and the same SQL run natively, as a Markdown
# table. Target: p95 under 50 ms for the common queries.
# Needs: make build (the host, the wasm components, the bench binaries). About 2 minutes.
# ROWS=1000000 SAMPLES=100 by default; BENCH_KEEP_DB=path keeps a copy of the generated database.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/requests-queue target/wasm32-wasip2/release/requests.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
exec ./target/release/requests-queue "${ROWS:-1000000}" "${SAMPLES:-100}"
