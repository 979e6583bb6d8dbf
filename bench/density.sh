#!/usr/bin/env bash
# Density: 1,000 communes on one host (bench/src/bin/density.rs): p50/p95 of a per-commune
# request mix and the host's memory with 10 communes then with all of them, as ratios, and the
# CPU an idle host uses. COMMUNES=1000 ROUNDS=3 by default. Needs: make build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/density target/wasm32-wasip2/release/identity.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
exec ./target/release/density "${COMMUNES:-1000}" "${ROUNDS:-3}"
