#!/usr/bin/env bash
# Catalogue search through the Guichet host, over HTTP, on a generated catalogue of 2,000
# services imported through the administration API: p50/p95/p99 of `GET /api/catalog/search`
# (the citizen queries of components/catalog/demo/queries.json) and of
# `GET /api/catalog/services/{code}`, as a Markdown table.
# Needs: make build (the host, the wasm components, the bench binaries).
# SERVICES=2000 ROUNDS=10 by default; BENCH_SLOWEST=1 also lists the slowest queries.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/catalog-search target/wasm32-wasip2/release/catalog.wasm; do
  [ -x "$f" ] || [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
exec ./target/release/catalog-search "${SERVICES:-2000}" "${ROUNDS:-10}"
